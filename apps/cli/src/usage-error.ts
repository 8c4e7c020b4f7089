import { GraftError } from "@graft/errors";

const marker = "graft.error.UsageError";
const symbol = Symbol.for(marker);

/** A command was called wrongly: a missing or malformed option. `graft` exits with code 2 for it. */
export class UsageError extends GraftError {
  private readonly [symbol] = true;
  /** The command, e.g. `corpus build`. */
  readonly command: string;

  constructor({ command, message }: { command: string; message: string }) {
    super({ name: "UsageError", message: `${message}; see graft ${command} --help` });
    this.command = command;
  }

  static override isInstance(error: unknown): error is UsageError {
    return GraftError.hasMarker(error, marker);
  }
}

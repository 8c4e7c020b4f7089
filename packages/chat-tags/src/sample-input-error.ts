import { GraftError } from "@graft/errors";

const marker = "graft.error.SampleInputError";
const symbol = Symbol.for(marker);

/** A JSONL input line that is not JSON or lacks the field a format needs. */
export class SampleInputError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly line: number;

  constructor({ path, line, message, cause }: { path: string; line: number; message: string; cause?: unknown }) {
    super({ name: "SampleInputError", message: `${path}:${line}: ${message}`, cause });
    this.path = path;
    this.line = line;
  }

  static override isInstance(error: unknown): error is SampleInputError {
    return GraftError.hasMarker(error, marker);
  }
}

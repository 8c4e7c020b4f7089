import { GraftError } from "@graft/errors";

const marker = "graft.error.AdaptConfigError";
const symbol = Symbol.for(marker);

/** A `graft adapt` config is wrong: the message names the file, the field (dotted path) and what is expected. */
export class AdaptConfigError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly field: string;
  /** What is wrong with the field and what is expected, without the path and field. */
  readonly detail: string;

  constructor({ path, field, message }: { path: string; field: string; message: string }) {
    super({ name: "AdaptConfigError", message: `${path}: ${field}: ${message}` });
    this.path = path;
    this.field = field;
    this.detail = message;
  }

  static override isInstance(error: unknown): error is AdaptConfigError {
    return GraftError.hasMarker(error, marker);
  }
}

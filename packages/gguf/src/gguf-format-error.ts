import { GraftError } from "@graft/errors";

const marker = "graft.error.GgufFormatError";
const symbol = Symbol.for(marker);

/** A file that is not a GGUF graft can read: wrong magic, an unsupported version, a malformed header. */
export class GgufFormatError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;

  constructor({ path, message }: { path: string; message: string }) {
    super({ name: "GgufFormatError", message: `${path}: ${message}` });
    this.path = path;
  }

  static override isInstance(error: unknown): error is GgufFormatError {
    return GraftError.hasMarker(error, marker);
  }
}

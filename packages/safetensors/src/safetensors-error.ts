import { GraftError } from "@graft/errors";

const marker = "graft.error.SafetensorsError";
const symbol = Symbol.for(marker);

/** Base of this package's errors; also the writer's misuse errors (duplicate tensor, wrong byte length, use after finalize). */
export class SafetensorsError extends GraftError {
  private readonly [symbol] = true;
  /** The file the error is about, when there is one. */
  readonly path?: string;

  constructor({ name, message, path, cause }: { name: string; message: string; path?: string; cause?: unknown }) {
    super({ name, message, cause });
    this.path = path;
  }

  static override isInstance(error: unknown): error is SafetensorsError {
    return GraftError.hasMarker(error, marker);
  }
}

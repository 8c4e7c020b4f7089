import { GraftError } from "@graft/errors";

const marker = "graft.error.TokenizerLoadError";
const symbol = Symbol.for(marker);

/** A tokenizer directory that cannot be loaded: missing or malformed files. */
export class TokenizerLoadError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;

  constructor({ path, message, cause }: { path: string; message: string; cause?: unknown }) {
    super({ name: "TokenizerLoadError", message: `${path}: ${message}`, cause });
    this.path = path;
  }

  static override isInstance(error: unknown): error is TokenizerLoadError {
    return GraftError.hasMarker(error, marker);
  }
}

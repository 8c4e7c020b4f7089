import { GraftError } from "./graft-error.js";

/** A tokenizer directory that cannot be loaded: missing or malformed files. */
export class TokenizerLoadError extends GraftError {
  readonly path: string;

  constructor({ path, message, cause }: { path: string; message: string; cause?: unknown }) {
    super({ name: "TokenizerLoadError", message: `${path}: ${message}`, cause });
    this.path = path;
  }
}

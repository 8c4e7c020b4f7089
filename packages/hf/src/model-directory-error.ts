import { GraftError } from "@graft/errors";

const marker = "graft.error.ModelDirectoryError";
const symbol = Symbol.for(marker);

/** A model directory that lacks a file graft needs, or holds one it cannot read. */
export class ModelDirectoryError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;

  constructor({ path, message, cause }: { path: string; message: string; cause?: unknown }) {
    super({ name: "ModelDirectoryError", message: `${path}: ${message}`, cause });
    this.path = path;
  }

  static override isInstance(error: unknown): error is ModelDirectoryError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "./graft-error.js";

/** A model directory that lacks a file graft needs, or holds one it cannot read. */
export class ModelDirectoryError extends GraftError {
  readonly path: string;

  constructor({ path, message, cause }: { path: string; message: string; cause?: unknown }) {
    super({ name: "ModelDirectoryError", message: `${path}: ${message}`, cause });
    this.path = path;
  }
}

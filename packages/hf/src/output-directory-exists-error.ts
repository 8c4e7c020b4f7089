import { GraftError } from "./graft-error.js";

/** The output directory already exists and overwriting was not asked for. */
export class OutputDirectoryExistsError extends GraftError {
  readonly path: string;

  constructor({ path }: { path: string }) {
    super({ name: "OutputDirectoryExistsError", message: `${path} already exists and is not empty. Choose another output path, delete it, or pass overwrite (--force).` });
    this.path = path;
  }
}

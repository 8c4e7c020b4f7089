import { GraftError } from "@graft/hf";

/** A `graft adapt` config is wrong: the message names the file, the field (dotted path) and what is expected. */
export class AdaptConfigError extends GraftError {
  readonly path: string;
  readonly field: string;

  constructor({ path, field, message }: { path: string; field: string; message: string }) {
    super({ name: "AdaptConfigError", message: `${path}: ${field}: ${message}` });
    this.path = path;
    this.field = field;
  }
}

import { GraftError } from "./graft-error.js";

/** A `config.json` field that is missing, of the wrong type, or unsupported. */
export class ConfigError extends GraftError {
  readonly path: string;
  readonly field: string;

  constructor({ path, field, message }: { path: string; field: string; message: string }) {
    super({ name: "ConfigError", message: `${path}: field "${field}": ${message}` });
    this.path = path;
    this.field = field;
  }
}

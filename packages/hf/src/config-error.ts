import { GraftError } from "@graft/errors";

const marker = "graft.error.ConfigError";
const symbol = Symbol.for(marker);

/** A `config.json` field that is missing, of the wrong type, or unsupported. */
export class ConfigError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly field: string;

  constructor({ path, field, message }: { path: string; field: string; message: string }) {
    super({ name: "ConfigError", message: `${path}: field "${field}": ${message}` });
    this.path = path;
    this.field = field;
  }

  static override isInstance(error: unknown): error is ConfigError {
    return GraftError.hasMarker(error, marker);
  }
}

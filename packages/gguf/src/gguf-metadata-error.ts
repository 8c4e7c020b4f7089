import { GraftError } from "@graft/errors";

const marker = "graft.error.GgufMetadataError";
const symbol = Symbol.for(marker);

/** A metadata key the import needs is missing or has the wrong type. */
export class GgufMetadataError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly key: string;

  constructor({ path, key, message }: { path: string; key: string; message: string }) {
    super({ name: "GgufMetadataError", message: `${path}: metadata "${key}": ${message}` });
    this.path = path;
    this.key = key;
  }

  static override isInstance(error: unknown): error is GgufMetadataError {
    return GraftError.hasMarker(error, marker);
  }
}

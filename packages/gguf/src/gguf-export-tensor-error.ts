import { GraftError } from "@graft/errors";

const marker = "graft.error.GgufExportTensorError";
const symbol = Symbol.for(marker);

/**
 * A checkpoint tensor the GGUF export cannot write: a dtype that is not floating point, a name
 * llama.cpp has no slot for, or a shape that disagrees with the config or the tokenizer.
 */
export class GgufExportTensorError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly tensorName: string;
  /** The safetensors dtype as stored. */
  readonly dtype: string;

  constructor({ path, tensorName, dtype, message }: { path: string; tensorName: string; dtype: string; message: string }) {
    super({ name: "GgufExportTensorError", message: `${path}: tensor "${tensorName}" (${dtype}) ${message}. Nothing was written.` });
    this.path = path;
    this.tensorName = tensorName;
    this.dtype = dtype;
  }

  static override isInstance(error: unknown): error is GgufExportTensorError {
    return GraftError.hasMarker(error, marker);
  }
}

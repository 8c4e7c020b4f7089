import { GraftError } from "@graft/errors";

const marker = "graft.error.GgufTensorTypeError";
const symbol = Symbol.for(marker);

/** A tensor stored in a GGML type graft does not know or cannot dequantize. */
export class GgufTensorTypeError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly tensorName: string;
  /** The GGML type id as stored, and its name where known. */
  readonly typeId: number;
  readonly supported: readonly string[];

  constructor({
    path,
    tensorName,
    typeId,
    typeName,
    supported,
  }: { path: string; tensorName: string; typeId: number; typeName?: string; supported: readonly string[] }) {
    const type = typeName === undefined ? `unknown type id ${typeId}` : `type ${typeName} (id ${typeId})`;
    super({
      name: "GgufTensorTypeError",
      message: `${path}: tensor "${tensorName}" has ${type}; graft reads ${supported.join(", ")}: requantize the model to one of them (llama.cpp's llama-quantize) or use another file`,
    });
    this.path = path;
    this.tensorName = tensorName;
    this.typeId = typeId;
    this.supported = supported;
  }

  static override isInstance(error: unknown): error is GgufTensorTypeError {
    return GraftError.hasMarker(error, marker);
  }
}

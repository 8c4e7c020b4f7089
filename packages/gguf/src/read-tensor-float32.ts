import { dequantize } from "./dequantize.js";
import { DEQUANTIZABLE_TYPES, isDequantizable } from "./ggml-type.js";
import type { GgufReader, GgufTensorInfo } from "./gguf-reader.js";
import { GgufTensorTypeError } from "./gguf-tensor-type-error.js";

/** Throws GgufTensorTypeError unless graft can dequantize the tensor's type. */
export function assertDequantizable(path: string, tensor: GgufTensorInfo): void {
  if (!isDequantizable(tensor.type.name)) {
    throw new GgufTensorTypeError({ path, tensorName: tensor.name, typeId: tensor.type.id, typeName: tensor.type.name, supported: DEQUANTIZABLE_TYPES });
  }
}

/** `count` rows (all from `start` when omitted) of a tensor, dequantized to float32. */
export async function readTensorFloat32(reader: GgufReader, tensor: GgufTensorInfo, start = 0, count?: number): Promise<Float32Array> {
  assertDequantizable(reader.path, tensor);
  const columns = tensor.dims[0] ?? 1;
  const rows = count ?? tensor.elements / columns - start;
  const bytes = await reader.readRows(tensor, start, rows);
  return dequantize(tensor.type.name as (typeof DEQUANTIZABLE_TYPES)[number], bytes, rows * columns);
}

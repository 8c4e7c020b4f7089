import { type Dtype, elementCount, type Tensor } from "./dtype.js";
import { bf16ToFloat32Array, f16ToFloat32Array, float32ArrayToBf16, float32ArrayToF16 } from "./float-conversions.js";
import { SafetensorsError } from "./safetensors-error.js";

/** A floating tensor's values as f32 (F64 is narrowed; integer and F8 kinds are refused). */
export function toFloat32(tensor: Tensor): Float32Array {
  const { data } = tensor;
  switch (tensor.dtype) {
    case "F32":
      return data.byteOffset % 4 === 0 ? new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4) : new Float32Array(new Uint8Array(data).buffer);
    case "BF16":
      return bf16ToFloat32Array(data);
    case "F16":
      return f16ToFloat32Array(data);
    case "F64": {
      const source = data.byteOffset % 8 === 0 ? data : new Uint8Array(data);
      return Float32Array.from(new Float64Array(source.buffer, source.byteOffset, source.byteLength / 8));
    }
    default:
      throw new SafetensorsError({
        name: "UnsupportedConversionError",
        message: `toFloat32: ${tensor.dtype} is not a floating dtype this package converts (F64, F32, F16, BF16)`,
      });
  }
}

/** f32 values as a tensor of `dtype` (F32, F16, BF16; narrowing rounds to nearest even). */
export function fromFloat32(values: Float32Array, dtype: Extract<Dtype, "F32" | "F16" | "BF16">, shape: number[]): Tensor {
  if (elementCount(shape) !== values.length) {
    throw new SafetensorsError({
      name: "TensorSizeError",
      message: `fromFloat32: shape ${JSON.stringify(shape)} holds ${elementCount(shape)} values, got ${values.length}`,
    });
  }
  if (dtype === "F32") return { dtype, shape: [...shape], data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
  return { dtype, shape: [...shape], data: dtype === "BF16" ? float32ArrayToBf16(values) : float32ArrayToF16(values) };
}

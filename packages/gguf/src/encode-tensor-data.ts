import { float32ArrayToBf16, float32ArrayToF16 } from "@graft/safetensors";
import { quantizeQ8_0 } from "./quantize-q8-0.js";

/** The GGML types graft writes. */
export const WRITABLE_TYPES = ["F32", "F16", "BF16", "Q8_0"] as const;
export type WritableType = (typeof WRITABLE_TYPES)[number];

/** float32 values as the bytes of a GGML tensor of `type` (f16 / bf16 rounded to nearest even). */
export function encodeTensorData(type: WritableType, values: Float32Array): Uint8Array {
  switch (type) {
    case "F32":
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case "F16":
      return float32ArrayToF16(values);
    case "BF16":
      return float32ArrayToBf16(values);
    case "Q8_0":
      return quantizeQ8_0(values);
  }
}

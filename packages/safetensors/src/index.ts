// Public surface of @graft/safetensors: every export is named here.
export { DTYPE_BYTES, DTYPES, dtypeBytes, elementCount, isDtype, type Dtype, type Tensor } from "./dtype.js";
export { MAX_HEADER_BYTES, MAX_TENSOR_COUNT, MAX_TENSOR_RANK, parseHeader, type ParsedHeader, type TensorInfo } from "./parse-header.js";
export { SafetensorsReader } from "./safetensors-reader.js";
export { INDEX_FILE_NAME, SINGLE_FILE_NAME, ShardedSafetensorsReader } from "./sharded-safetensors-reader.js";
export { DEFAULT_MAX_SHARD_BYTES, ShardedSafetensorsWriter, type ShardedSafetensorsWriterOptions, type WrittenWeights } from "./sharded-safetensors-writer.js";
export {
  bf16BitsToFloat32,
  bf16ToFloat32Array,
  f16BitsToFloat32,
  f16ToFloat32Array,
  float32ArrayToBf16,
  float32ArrayToF16,
  float32ToBf16Bits,
  float32ToF16Bits,
} from "./float-conversions.js";
export { fromFloat32, toFloat32 } from "./to-float32.js";
export { SafetensorsError } from "./safetensors-error.js";
export { InvalidHeaderError } from "./invalid-header-error.js";
export { TensorNotFoundError } from "./tensor-not-found-error.js";
export { ReadRangeError } from "./read-range-error.js";
export { readFloat32, type ReadFloat32Options } from "./read-float32.js";
export { streamFloat32, type StreamedFloat32, type StreamFloat32Options } from "./stream-float32.js";

// Public surface of @graft/safetensors: every export is named here.
export { DTYPE_BYTES, DTYPES, type Dtype, dtypeBytes, elementCount, isDtype, type Tensor } from "./dtype.js";
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
export { InvalidHeaderError } from "./invalid-header-error.js";
export { MAX_HEADER_BYTES, MAX_TENSOR_COUNT, MAX_TENSOR_RANK, type ParsedHeader, parseHeader, type TensorInfo } from "./parse-header.js";
export { type ReadFloat32Options, readFloat32 } from "./read-float32.js";
export { ReadRangeError } from "./read-range-error.js";
export { SafetensorsError } from "./safetensors-error.js";
export { SafetensorsReader } from "./safetensors-reader.js";
export { INDEX_FILE_NAME, ShardedSafetensorsReader, SINGLE_FILE_NAME } from "./sharded-safetensors-reader.js";
export { DEFAULT_MAX_SHARD_BYTES, ShardedSafetensorsWriter, type ShardedSafetensorsWriterOptions, type WrittenWeights } from "./sharded-safetensors-writer.js";
export { type StreamedFloat32, type StreamFloat32Options, streamFloat32 } from "./stream-float32.js";
export { TensorNotFoundError } from "./tensor-not-found-error.js";
export { fromFloat32, toFloat32 } from "./to-float32.js";

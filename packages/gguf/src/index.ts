// Public surface of @graft/gguf: every export is named here.

export { buildTokenizerFiles, SUPPORTED_TOKENIZER_MODELS, type TokenizerFiles } from "./build-tokenizer-files.js";
export { buildTokenizerMetadata, EXPORTED_PRE_TOKENIZERS, llamaCppPreTokenizer, type TokenizerMetadata } from "./build-tokenizer-metadata.js";
export { dequantize } from "./dequantize.js";
export { encodeTensorData, WRITABLE_TYPES, type WritableType } from "./encode-tensor-data.js";
export {
  EXPORTABLE_MODEL_TYPES,
  type ExportGgufEvent,
  type ExportGgufOptions,
  exportGguf,
  GGUF_EXPORT_TYPES,
  type GgufExportType,
} from "./export-gguf.js";
export { DEQUANTIZABLE_TYPES, type DequantizableType, type GgmlType, ggmlType, isDequantizable } from "./ggml-type.js";
export { GgufExportTensorError } from "./gguf-export-tensor-error.js";
export { type GgufExportFeature, GgufExportUnsupportedError } from "./gguf-export-unsupported-error.js";
export { GgufFormatError } from "./gguf-format-error.js";
export { GgufMetadata } from "./gguf-metadata.js";
export { GgufMetadataError } from "./gguf-metadata-error.js";
export { GgufReader, type GgufTensorInfo, type GgufValue } from "./gguf-reader.js";
export { ggufTensorName } from "./gguf-tensor-name.js";
export { GgufTensorTypeError } from "./gguf-tensor-type-error.js";
export { GgufTruncatedError } from "./gguf-truncated-error.js";
export { GgufUnsupportedError } from "./gguf-unsupported-error.js";
export {
  DEFAULT_GGUF_ALIGNMENT,
  encodeGgufHeader,
  type GgufMetadataValue,
  type GgufScalarType,
  type GgufTensorPlan,
  GgufWriter,
  tensorByteLength,
} from "./gguf-writer.js";
export { type ImportGgufEvent, type ImportGgufOptions, importGguf, SUPPORTED_GGUF_ARCHITECTURES } from "./import-gguf.js";
export { llamaTensorName, permuteRotaryRows, unpermuteRotaryRows } from "./llama-tensor-name.js";
export { Q8_0_BLOCK, Q8_0_BLOCK_BYTES, quantizeQ8_0 } from "./quantize-q8-0.js";
export { assertDequantizable, readTensorFloat32 } from "./read-tensor-float32.js";

// Public surface of @graft/gguf: every export is named here.
export { buildTokenizerFiles, SUPPORTED_TOKENIZER_MODELS, type TokenizerFiles } from "./build-tokenizer-files.js";
export { dequantize } from "./dequantize.js";
export { DEQUANTIZABLE_TYPES, type DequantizableType, type GgmlType, ggmlType, isDequantizable } from "./ggml-type.js";
export { GgufFormatError } from "./gguf-format-error.js";
export { GgufMetadata } from "./gguf-metadata.js";
export { GgufMetadataError } from "./gguf-metadata-error.js";
export { GgufReader, type GgufTensorInfo, type GgufValue } from "./gguf-reader.js";
export { GgufTensorTypeError } from "./gguf-tensor-type-error.js";
export { GgufTruncatedError } from "./gguf-truncated-error.js";
export { GgufUnsupportedError } from "./gguf-unsupported-error.js";
export { type ImportGgufEvent, type ImportGgufOptions, importGguf, SUPPORTED_GGUF_ARCHITECTURES } from "./import-gguf.js";
export { llamaTensorName, unpermuteRotaryRows } from "./llama-tensor-name.js";
export { assertDequantizable, readTensorFloat32 } from "./read-tensor-float32.js";

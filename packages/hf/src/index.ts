// Public surface of @graft/hf: every export is named here.

export { type AtomicOutputOptions, atomicOutputDirectory, refuseOutputOverInputs } from "./atomic-output-directory.js";
export { atomicOutputFile } from "./atomic-output-file.js";
export { BpeIdMerger } from "./bpe-id-merger.js";
export { ConfigError } from "./config-error.js";
export { type Checkpoint, latestCheckpoint, listCheckpoints } from "./list-checkpoints.js";
export { chatTemplateOf, type EmbeddingInfo, embeddingInfo, loadModelDirectory, type ModelDirectory } from "./load-model-directory.js";
export {
  type DecodeOptions,
  type EncodeOptions,
  GraftTokenizer,
  loadTokenizer,
  type SpecialToken,
  type SpecialTokens,
  type TokenEncoder,
  type TokenizerJson,
} from "./load-tokenizer.js";
export { headDimension, type ModelConfig, type ModelType, parseModelConfig, SUPPORTED_MODEL_TYPES } from "./model-config.js";
export { ModelDirectoryError } from "./model-directory-error.js";
export { OutputDirectoryExistsError } from "./output-directory-exists-error.js";
export { OutputFileExistsError } from "./output-file-exists-error.js";
export { OutputOverlapsInputError } from "./output-overlaps-input-error.js";
export { pinAddedTokenIds } from "./pin-added-token-ids.js";
export { createPreTokenizer, type PreTokenizer } from "./pre-tokenize.js";
export type { RopeParameters, RopeSettings } from "./read-rope-parameters.js";
export { TokenizerLoadError } from "./tokenizer-load-error.js";
export { bytesToUnicode } from "./word-encoder.js";
export { type StreamedTensor, type TensorSource, type WriteModelDirectoryOptions, writeModelDirectory } from "./write-model-directory.js";

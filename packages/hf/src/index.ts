// Public surface of @graft/hf: every export is named here.
export {
  GraftTokenizer,
  loadTokenizer,
  type DecodeOptions,
  type EncodeOptions,
  type SpecialToken,
  type SpecialTokens,
  type TokenEncoder,
  type TokenizerJson,
} from "./load-tokenizer.js";
export { TokenizerLoadError } from "./tokenizer-load-error.js";
export { parseModelConfig, headDimension, SUPPORTED_MODEL_TYPES, type ModelConfig, type ModelType } from "./model-config.js";
export { type RopeParameters, type RopeSettings } from "./read-rope-parameters.js";
export { ConfigError } from "./config-error.js";
export { ModelDirectoryError } from "./model-directory-error.js";
export { OutputDirectoryExistsError } from "./output-directory-exists-error.js";
export { atomicOutputDirectory, type AtomicOutputOptions } from "./atomic-output-directory.js";
export { loadModelDirectory, embeddingInfo, chatTemplateOf, type ModelDirectory, type EmbeddingInfo } from "./load-model-directory.js";
export { writeModelDirectory, type WriteModelDirectoryOptions, type TensorSource, type StreamedTensor } from "./write-model-directory.js";
export { listCheckpoints, latestCheckpoint, type Checkpoint } from "./list-checkpoints.js";
export { pinAddedTokenIds } from "./pin-added-token-ids.js";
export { createPreTokenizer, type PreTokenizer } from "./pre-tokenize.js";
export { BpeIdMerger } from "./bpe-id-merger.js";
export { bytesToUnicode } from "./word-encoder.js";

// Public surface of @graft/vocab: every export is named here.

export {
  EXTENSION_REPORT_FILE,
  type ExtendEvent,
  type ExtendTokenizerOptions,
  type ExtensionReport,
  extendTokenizer,
  type MergeOrder,
} from "./extend-tokenizer.js";
export { InitMethodError } from "./init-method-error.js";
export type { InitEvent } from "./initialize-embeddings.js";
export {
  INIT_METHODS,
  INIT_REPORT_FILE,
  type InitializeEmbeddingsOptions,
  type InitMethodName,
  type InitReport,
  initializeEmbeddings,
} from "./initialize-embeddings.js";
export { type OldSegmentation, type OldSegmentationOptions, oldSegmentation, type SegmentationKind } from "./old-segmentation.js";
export { readTexts, type TextSource } from "./read-texts.js";
export { REPLACEMENT_REPORT_FILE, type ReplacementReport, type ReplaceTokenizerOptions, replaceTokenizer } from "./replace-tokenizer.js";
export { type TokenizerEfficiency, tokenizerEfficiency } from "./tokenizer-efficiency.js";
export { UnsupportedTokenizerError } from "./unsupported-tokenizer-error.js";
export { VocabularyInputError, type VocabularyInputProblem } from "./vocabulary-input-error.js";

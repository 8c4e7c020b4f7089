// Public surface of @graft/vocab: every export is named here.
export { oldSegmentation, type OldSegmentation, type OldSegmentationOptions, type SegmentationKind } from "./old-segmentation.js";
export { extendTokenizer, EXTENSION_REPORT_FILE, type ExtendTokenizerOptions, type ExtendEvent, type ExtensionReport, type MergeOrder } from "./extend-tokenizer.js";
export { tokenizerEfficiency, type TokenizerEfficiency } from "./tokenizer-efficiency.js";
export { readTexts, type TextSource } from "./read-texts.js";
export { UnsupportedTokenizerError } from "./unsupported-tokenizer-error.js";
export { VocabularyInputError, type VocabularyInputProblem } from "./vocabulary-input-error.js";
export { initializeEmbeddings, INIT_METHODS, INIT_REPORT_FILE, type InitializeEmbeddingsOptions, type InitMethodName, type InitReport } from "./initialize-embeddings.js";
export { replaceTokenizer, REPLACEMENT_REPORT_FILE, type ReplaceTokenizerOptions, type ReplacementReport } from "./replace-tokenizer.js";
export { InitMethodError } from "./init-method-error.js";
export type { InitEvent } from "./initialize-embeddings.js";

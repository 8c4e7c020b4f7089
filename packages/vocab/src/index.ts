// Public surface of @graft/vocab: every export is named here.
export { oldSegmentation, type OldSegmentation, type OldSegmentationOptions, type SegmentationKind } from "./old-segmentation.js";
export { aggregateRows, meanOfRows, type AggregateRowsOptions } from "./aggregate-rows.js";
export { BYTE_TO_CHARACTER, byteLevelToBytes, byteLevelToText, textToByteLevel, isByteLevel } from "./byte-level-alphabet.js";
export { extendTokenizer, tokenText, EXTENSION_REPORT_FILE, MAX_WORD_CHARACTERS, type ExtendTokenizerOptions, type ExtendEvent, type ExtensionReport, type MergeOrder } from "./extend-tokenizer.js";
export { learnMerges, type CountedWord, type LearnedMerge, type LearnMergesOptions } from "./learn-merges.js";
export { tokenizerEfficiency, type TokenizerEfficiency } from "./tokenizer-efficiency.js";
export { tokenizerFamily, type TokenizerFamily } from "./tokenizer-family.js";
export { readTexts, type TextSource } from "./read-texts.js";
export { UnsupportedTokenizerError } from "./unsupported-tokenizer-error.js";
export { VocabularyInputError, type VocabularyInputProblem } from "./vocabulary-input-error.js";
export { initializeEmbeddings, INIT_METHODS, INIT_REPORT_FILE, type InitializeEmbeddingsOptions, type InitMethodName, type InitReport } from "./initialize-embeddings.js";
export { initMean } from "./init-method-mean.js";
export { initMergeTree } from "./init-method-merge-tree.js";
export type { InitMethod, InitMethodInput } from "./init-method.js";
export { replaceTokenizer, REPLACEMENT_REPORT_FILE, type ReplaceTokenizerOptions, type ReplacementReport } from "./replace-tokenizer.js";
export { countWords, type WordCounts } from "./count-words.js";

// Public surface of @graft/corpus: every export is named here.
export { buildCorpus, MANIFEST_FILE, STATS_FILE, type BuildCorpusOptions, type CorpusEvent, type CorpusFormat, type CorpusStats } from "./build-corpus.js";
export { readDocuments, expandInputs, type ReadDocumentsOptions } from "./read-documents.js";
export { cleanText } from "./clean-text.js";
export { qualityFilter, type QualityFilterOptions } from "./quality-filter.js";
export { exactDedup } from "./exact-dedup.js";
export { ShardWriter, type ShardInfo, type SplitSummary } from "./shard-writer.js";
export { writeNpy, encodeNpy } from "./write-npy.js";
export { CorpusInputError } from "./corpus-input-error.js";
export type { CorpusDocument } from "./corpus-document.js";
export type { PipelineStep } from "./pipeline-step.js";
export { createLanguageIdentifier, LANGUAGE_ID_CHARACTERS, type LanguageGuess, type LanguageIdentifier } from "./identify-language.js";
export { languageFilter } from "./language-filter.js";

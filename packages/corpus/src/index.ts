// Public surface of @graft/corpus: every export is named here.
export { mergeCorpus, type MergeCorpusOptions } from "./merge-corpus.js";
export { buildCorpus, MANIFEST_FILE, STATS_FILE, type BuildCorpusOptions, type CorpusFormat, type CorpusStats } from "./build-corpus.js";
export { formatProgress, type CorpusEvent } from "./corpus-progress.js";
export { readDocuments, type ReadDocumentsOptions, type ReadProblem } from "./read-documents.js";
export { cleanText } from "./clean-text.js";
export { qualityFilter, type QualityFilterOptions } from "./quality-filter.js";
export { exactDedup } from "./exact-dedup.js";
export { nearDedup } from "./near-dedup.js";
export type { DedupMode } from "./document-deduplicator.js";
export { ShardWriter, type ShardInfo, type SplitSummary } from "./shard-writer.js";
export { encodeNpy } from "./write-npy.js";
export { CorpusInputError } from "./corpus-input-error.js";
export { CorpusResumeError } from "./corpus-resume-error.js";
export { CorpusWorkerError } from "./corpus-worker-error.js";
export type { CorpusDocument } from "./corpus-document.js";
export type { PipelineStep } from "./pipeline-step.js";
export { createLanguageIdentifier, identifyLanguage, type LanguageGuess, type LanguageIdentifier } from "./identify-language.js";
export { languageFilter } from "./language-filter.js";

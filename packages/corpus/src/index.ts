// Public surface of @graft/corpus: every export is named here.

export { type BuildCorpusOptions, buildCorpus, type CorpusFormat, type CorpusStats, MANIFEST_FILE, STATS_FILE } from "./build-corpus.js";
export { cleanText } from "./clean-text.js";
export type { CorpusDocument } from "./corpus-document.js";
export { CorpusInputError } from "./corpus-input-error.js";
export { type CorpusEvent, formatProgress } from "./corpus-progress.js";
export { CorpusResumeError } from "./corpus-resume-error.js";
export { CorpusWorkerError } from "./corpus-worker-error.js";
export type { DedupMode } from "./document-deduplicator.js";
export { exactDedup } from "./exact-dedup.js";
export { createLanguageIdentifier, identifyLanguage, type LanguageGuess, type LanguageIdentifier } from "./identify-language.js";
export { languageFilter } from "./language-filter.js";
export { type MergeCorpusOptions, mergeCorpus } from "./merge-corpus.js";
export { nearDedup } from "./near-dedup.js";
export type { PipelineStep } from "./pipeline-step.js";
export { type QualityFilterOptions, qualityFilter } from "./quality-filter.js";
export { type ReadDocumentsOptions, type ReadProblem, readDocuments } from "./read-documents.js";
export { type ShardInfo, ShardWriter, type SplitSummary } from "./shard-writer.js";
export { encodeNpy } from "./write-npy.js";

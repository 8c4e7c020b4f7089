/** One document of a corpus: small, with where it came from. */
export interface CorpusDocument {
  /** Stable id: `<source>:<line>` (the train/valid split and dedup are keyed on it). */
  id: string;
  text: string;
  metadata: { source: string; line: number; [key: string]: unknown };
}

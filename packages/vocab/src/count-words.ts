import { createPreTokenizer, type GraftTokenizer } from "@graft/hf";
import { readTexts, type TextSource } from "./read-texts.js";
import { forEachScriptRun } from "./script-runs.js";
import type { TokenizerFamily } from "./tokenizer-family.js";
import { VocabularyInputError } from "./vocabulary-input-error.js";

/** Longer pre-tokens are layout or data, not words: learning from them wastes tokens on `────…`. */
export const MAX_WORD_CHARACTERS = 64;
/** Lines of the corpus kept as the default efficiency sample. */
const SAMPLE_LINES = 2000;
/** Progress lines during counting, every this many corpus lines. */
const COUNT_PROGRESS_LINES = 50_000;

export interface WordCounts {
  counts: Map<string, number>;
  /** The first non-empty lines (an efficiency sample). */
  sample: string[];
  lines: number;
  words: number;
}

/**
 * Counts the words of a corpus as the tokenizer's BPE model sees them (its added-token split,
 * normalizer and pre-tokenizer; SentencePiece-style words also cut by script, see script-runs.ts),
 * streaming line by line: memory grows with distinct words, not with the corpus.
 */
export async function countWords(
  tokenizer: GraftTokenizer,
  family: TokenizerFamily,
  corpus: readonly TextSource[],
  options: { maxWordCharacters?: number; expectedScript?: string; onProgress?: (lines: number, distinctWords: number) => void } = {},
): Promise<WordCounts> {
  const preTokenize = createPreTokenizer(tokenizer);
  const counts = new Map<string, number>();
  const sample: string[] = [];
  const scriptPattern = options.expectedScript ? new RegExp(`\\p{Script=${options.expectedScript}}`, "u") : undefined;
  let scriptLines = 0;
  let lines = 0;
  let words = 0;
  const maxWordCharacters = options.maxWordCharacters ?? MAX_WORD_CHARACTERS;
  const countWord = (piece: string) => {
    if (piece.length > maxWordCharacters) return;
    counts.set(piece, (counts.get(piece) ?? 0) + 1);
    words += 1;
  };
  const count = family === "sentencepiece" ? (piece: string) => forEachScriptRun(piece, countWord) : countWord;
  for await (const line of readTexts(corpus)) {
    lines += 1;
    if (line.length === 0) continue;
    if (sample.length < SAMPLE_LINES && line.trim() !== "") sample.push(line);
    if (scriptPattern?.test(line)) scriptLines += 1;
    preTokenize(line, count);
    if (lines % COUNT_PROGRESS_LINES === 0) options.onProgress?.(lines, counts.size);
  }
  const where = corpus.map((source) => (typeof source === "string" ? source : "<text>")).join(", ");
  if (words === 0)
    throw new VocabularyInputError({ path: where, problem: "empty-corpus", message: "the corpus has no text; pass non-empty .txt or .txt.gz files" });
  if (scriptPattern && scriptLines === 0) {
    throw new VocabularyInputError({
      path: where,
      problem: "wrong-script",
      message: `no line of the corpus contains ${options.expectedScript} script; check the files (or --script)`,
    });
  }
  return { counts, sample, lines, words };
}

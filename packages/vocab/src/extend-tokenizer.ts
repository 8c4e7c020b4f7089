import { existsSync } from "node:fs";
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  atomicOutputDirectory,
  BpeIdMerger,
  type GraftTokenizer,
  loadTokenizer,
  pinAddedTokenIds,
  refuseOutputOverInputs,
  type TokenizerJson,
} from "@graft/hf";
import { byteLevelToText } from "./byte-level-alphabet.js";
import { type CountedWord, learnMerges } from "./learn-merges.js";
import { readTexts, type TextSource } from "./read-texts.js";

export { MAX_WORD_CHARACTERS };

import { countWords, MAX_WORD_CHARACTERS } from "./count-words.js";
import { type TokenizerEfficiency, tokenizerEfficiency } from "./tokenizer-efficiency.js";
import { type TokenizerFamily, tokenizerFamily } from "./tokenizer-family.js";
import { VocabularyInputError } from "./vocabulary-input-error.js";

export type MergeOrder = "append" | "prepend";

export interface ExtendTokenizerOptions {
  /** Directory with the base tokenizer.json (+ tokenizer_config.json): a tokenizer or model directory. */
  base: string;
  /** Target-language text: `.txt` / `.txt.gz` paths (read line by line) or `{ text }`. */
  corpus: readonly TextSource[];
  /** How many new tokens (merges) to learn at most. */
  add: number;
  /** Output tokenizer directory (written to a temporary sibling and renamed). */
  out: string;
  /** `append` (default): new merges rank after the base's, base encodings barely change. `prepend`: new merges first. */
  mergeOrder?: MergeOrder;
  /** A pair must occur this often in the corpus to become a token (default 2). */
  minFrequency?: number;
  /** Embedding rows are padded to a multiple of this (reported; `initializeEmbeddings` applies it). */
  padToMultipleOf?: number;
  /** Pre-tokens longer than this many characters (table borders, base64) are not counted (default 64). */
  maxWordCharacters?: number;
  /**
   * The target language's Unicode script (e.g. `Cyrillic`): a corpus without it is refused, and
   * only words containing it are candidates (foreign words in the corpus do not change how the
   * base language encodes).
   */
  expectedScript?: string;
  /** Held-out target-language text for the before/after efficiency (default: a sample of the corpus). */
  heldout?: readonly TextSource[];
  /** Held-out text in the base's language (e.g. English): the report counts lines whose encoding changed. */
  heldoutBase?: readonly TextSource[];
  overwrite?: boolean;
  onEvent?: (event: ExtendEvent) => void;
}

export type ExtendEvent =
  | { type: "count-progress"; lines: number; distinctWords: number; seconds: number }
  | { type: "learn-progress"; learned: number; target: number; seconds: number }
  | { type: "warning"; message: string };

export interface ExtensionReport {
  base: string;
  family: TokenizerFamily;
  mergeOrder: MergeOrder;
  requested: number;
  added: number;
  minFrequency: number;
  /** Id of the first new token (after every id the base uses, added tokens included). */
  firstNewId: number;
  /** Highest id + 1 of the extended tokenizer. */
  idLimit: number;
  /** Rows an embedding matrix needs: `idLimit` padded to `padToMultipleOf`. */
  embeddingRows: number;
  corpus: { lines: number; words: number; distinctWords: number };
  /** The most frequent new tokens, decoded. */
  topTokens: { token: string; text: string; frequency: number }[];
  efficiency: { before: TokenizerEfficiency; after: TokenizerEfficiency; sample: string };
  /** Held-out base-language lines whose ids changed (append mode keeps nearly all). */
  baseLinesChanged?: { changed: number; total: number };
  warnings: string[];
  seconds: number;
}

/** Written next to the tokenizer files. */
export const EXTENSION_REPORT_FILE = "vocab_extension.json";
/** Most frequent new tokens listed in the report. */
const TOP_TOKENS = 50;
/** Files of a tokenizer directory copied unchanged (ids of added tokens do not move). */
const TOKENIZER_FILES = ["tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "generation_config.json"];

type Merge = [string, string];

function readMerges(json: TokenizerJson): Merge[] {
  return (json.model.merges ?? []).map((merge) => (typeof merge === "string" ? (merge.split(" ", 2) as Merge) : (merge as Merge)));
}

/** Every merge must name tokens of the vocabulary (the JS tokenizer silently accepts broken ones). */
function validateMerges(merges: readonly Merge[], vocabulary: Record<string, number>, path: string): void {
  merges.forEach(([left, right], index) => {
    for (const token of [left, right, left + right]) {
      if (!Object.hasOwn(vocabulary, token)) {
        throw new VocabularyInputError({
          path,
          problem: "invalid-merge",
          message: `merge #${index} "${left} ${right}" names "${token}", which is not in model.vocab; the tokenizer.json is inconsistent (re-save it with Python tokenizers, or fix the merge list)`,
        });
      }
    }
  });
}

/** Displayable text of a token string. */
export function tokenText(token: string, family: TokenizerFamily): string {
  return family === "byte-level" ? (byteLevelToText(token) ?? token) : token.replace(/\u2581/g, " ");
}

/** Collects the base-language lines for the changed-encodings count. */
async function collectLines(sources: readonly TextSource[] | undefined, limit: number): Promise<string[]> {
  const lines: string[] = [];
  if (!sources) return lines;
  for await (const line of readTexts(sources)) {
    if (line.trim() === "") continue;
    lines.push(line);
    if (lines.length >= limit) break;
  }
  return lines;
}

/**
 * Extends a BPE tokenizer with merges learned on target-language text (LEP step 1): words are
 * counted with the base normalizer and pre-tokenizer, compressed with the base merges, and up
 * to `add` new merges are learned on what remains; every new token has a merge chain of existing
 * tokens. New ids follow every id of the base (added/special tokens keep their ids).
 */
export async function extendTokenizer(options: ExtendTokenizerOptions): Promise<ExtensionReport> {
  // Refused before any work: writing the output would replace an input (a base model, say).
  refuseOutputOverInputs(options.out, [options.base, ...options.corpus.filter((source) => typeof source === "string")]);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const mergeOrder = options.mergeOrder ?? "append";
  const minFrequency = options.minFrequency ?? 2;
  if (!Number.isInteger(options.add) || options.add < 1)
    throw new VocabularyInputError({ problem: "invalid-option", message: `--add must be a positive integer (got ${options.add})` });
  const base = await loadTokenizer(options.base);
  const tokenizerPath = join(options.base, "tokenizer.json");
  const family = tokenizerFamily(base.json, tokenizerPath);
  const modelVocabulary = base.json.model.vocab as Record<string, number>;
  const merges = readMerges(base.json);
  validateMerges(merges, modelVocabulary, tokenizerPath);

  // 1. Count words with the base's own normalizer and pre-tokenizer (memory: distinct words).
  const { counts, sample, lines, words } = await countWords(base, family, options.corpus, {
    maxWordCharacters: options.maxWordCharacters,
    expectedScript: options.expectedScript,
    onProgress: (read, distinctWords) => options.onEvent?.({ type: "count-progress", lines: read, distinctWords, seconds: seconds() }),
  });
  const scriptPattern = options.expectedScript ? new RegExp(`\\p{Script=${options.expectedScript}}`, "u") : undefined;

  // 2. Compress every distinct word with the base merges.
  const vocabulary = new Map<string, number>(Object.entries(modelVocabulary));
  for (const token of base.json.added_tokens ?? []) vocabulary.set(token.content, token.id);
  const tokenStrings: string[] = [];
  for (const [token, id] of vocabulary) tokenStrings[id] = token;
  const firstNewId = tokenStrings.length;
  const merger = BpeIdMerger.create(merges, (token) => (Object.hasOwn(modelVocabulary, token) ? modelVocabulary[token] : undefined));
  if (!merger)
    throw new VocabularyInputError({
      path: tokenizerPath,
      problem: "invalid-merge",
      message: "the merges cannot be indexed by id; re-save the tokenizer with Python tokenizers",
    });
  const countedWords: CountedWord[] = [];
  for (const [word, wordCount] of counts) {
    if (scriptPattern && !scriptPattern.test(tokenText(word, family))) continue;
    const symbols: number[] = [];
    for (const character of word) {
      const id = Object.hasOwn(modelVocabulary, character) ? modelVocabulary[character] : -1;
      symbols.push(id);
    }
    const length = merger.merge(symbols, symbols.length);
    symbols.length = length;
    if (length > 1) countedWords.push({ symbols, count: wordCount });
  }
  const distinctWords = counts.size;
  counts.clear();

  // 3. Learn the new merges.
  const learned = learnMerges({
    words: countedWords,
    tokenStrings,
    vocabulary,
    count: options.add,
    minFrequency,
    firstId: firstNewId,
    onProgress: (done) => options.onEvent?.({ type: "learn-progress", learned: done, target: options.add, seconds: seconds() }),
  });
  const warnings: string[] = [];
  if (learned.length < options.add) {
    const message = `only ${learned.length} of ${options.add} requested tokens could be learned: no pair left with frequency >= ${minFrequency} (use a larger corpus or a lower --min-frequency)`;
    warnings.push(message);
    options.onEvent?.({ type: "warning", message });
  }

  // 4. The extended tokenizer.json.
  const json = structuredClone(base.json) as TokenizerJson;
  const vocab = json.model.vocab as Record<string, number>;
  for (const merge of learned) vocab[merge.token] = merge.id;
  const stringForm = (json.model.merges ?? []).some((merge) => typeof merge === "string");
  const newMerges = learned.map((merge) => (stringForm ? `${merge.left} ${merge.right}` : [merge.left, merge.right]));
  json.model.merges = mergeOrder === "append" ? [...(json.model.merges ?? []), ...newMerges] : [...newMerges, ...(json.model.merges ?? [])];
  pinAddedTokenIds(json);
  const idLimit = Math.max(firstNewId, ...learned.map((merge) => merge.id + 1));
  const multiple = options.padToMultipleOf ?? 1;
  const embeddingRows = Math.ceil(idLimit / multiple) * multiple;

  const report = await atomicOutputDirectory(
    options.out,
    async (temporary) => {
      await writeFile(join(temporary, "tokenizer.json"), `${JSON.stringify(json, null, 2)}\n`);
      for (const file of TOKENIZER_FILES) if (existsSync(join(options.base, file))) await copyFile(join(options.base, file), join(temporary, file));
      const extended = await loadTokenizer(temporary);
      const heldout = options.heldout ? await collectLines(options.heldout, Number.POSITIVE_INFINITY) : sample;
      const efficiency = {
        before: tokenizerEfficiency(base, heldout),
        after: tokenizerEfficiency(extended, heldout),
        sample: options.heldout ? "heldout" : `first ${sample.length} corpus lines`,
      };
      const baseLines = await collectLines(options.heldoutBase, Number.POSITIVE_INFINITY);
      const baseLinesChanged = options.heldoutBase ? { changed: changedLines(base, extended, baseLines), total: baseLines.length } : undefined;
      const result: ExtensionReport = {
        base: options.base,
        family,
        mergeOrder,
        requested: options.add,
        added: learned.length,
        minFrequency,
        firstNewId,
        idLimit,
        embeddingRows,
        corpus: { lines, words, distinctWords },
        topTokens: [...learned]
          .sort((a, b) => b.frequency - a.frequency || a.id - b.id)
          .slice(0, TOP_TOKENS)
          .map((merge) => ({ token: merge.token, text: tokenText(merge.token, family), frequency: merge.frequency })),
        efficiency,
        baseLinesChanged,
        warnings,
        seconds: seconds(),
      };
      await writeFile(join(temporary, EXTENSION_REPORT_FILE), `${JSON.stringify(result, null, 2)}\n`);
      return result;
    },
    { overwrite: options.overwrite, inputs: [options.base, ...options.corpus.filter((source) => typeof source === "string")] },
  );
  return report;
}

function changedLines(base: GraftTokenizer, extended: GraftTokenizer, lines: readonly string[]): number {
  let changed = 0;
  for (const line of lines) {
    const before = base.encode(line, { addSpecialTokens: false });
    const after = extended.encode(line, { addSpecialTokens: false });
    if (before.length !== after.length || before.some((id, index) => id !== after[index])) changed += 1;
  }
  return changed;
}

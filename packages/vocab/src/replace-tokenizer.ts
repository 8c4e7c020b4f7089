import { existsSync } from "node:fs";
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { atomicOutputDirectory, bytesToUnicode, loadTokenizer, pinAddedTokenIds, refuseOutputOverInputs, type TokenizerJson } from "@graft/hf";
import { countWords } from "./count-words.js";
import { type CountedWord, learnMerges } from "./learn-merges.js";
import type { TextSource } from "./read-texts.js";
import { readTexts } from "./read-texts.js";
import { type TokenizerEfficiency, tokenizerEfficiency } from "./tokenizer-efficiency.js";
import { type TokenizerFamily, tokenizerFamily } from "./tokenizer-family.js";

export interface ReplaceTokenizerOptions {
  /** The tokenizer whose family, normaliser, pre-tokenizer, decoder and added tokens are kept. */
  base: string;
  corpus: readonly TextSource[];
  out: string;
  /** Model-vocabulary size of the new tokenizer, added tokens not counted unless the base's model vocabulary has them (default: the base's). */
  vocabularySize?: number;
  minFrequency?: number;
  /** SentencePiece family: characters seen fewer times than this are left to byte fallback (default 2). */
  minCharacterFrequency?: number;
  heldout?: readonly TextSource[];
  overwrite?: boolean;
}

export interface ReplacementReport {
  base: string;
  family: TokenizerFamily;
  vocabularySize: number;
  /** Merges learned (fewer than asked when the corpus runs out of pairs). */
  merges: number;
  efficiency: { before: TokenizerEfficiency; after: TokenizerEfficiency; sample: string };
  warnings: string[];
  seconds: number;
}

export const REPLACEMENT_REPORT_FILE = "vocab_replacement.json";
const TOKENIZER_FILES = ["tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "generation_config.json"];

/**
 * Full replacement (LEP's "BPE" variant): a fresh BPE of the same family and size learned from the
 * target corpus alone, keeping the base's normaliser, pre-tokenizer, decoder, post-processor and
 * added/special tokens (at their ids). Byte-level: the 256-byte alphabet, then merges. SentencePiece
 * style: the `<0xNN>` byte tokens and the base's reserved ids kept, the corpus's characters, then
 * merges. The result is a new vocabulary: LEP propagation (which needs the base vocabulary) refuses it.
 */
export async function replaceTokenizer(options: ReplaceTokenizerOptions): Promise<ReplacementReport> {
  refuseOutputOverInputs(options.out, [options.base, ...options.corpus.filter((source) => typeof source === "string")]);
  const started = performance.now();
  const base = await loadTokenizer(options.base);
  const family = tokenizerFamily(base.json, join(options.base, "tokenizer.json"));
  const baseVocabulary = base.json.model.vocab as Record<string, number>;
  const size = options.vocabularySize ?? Object.keys(baseVocabulary).length;
  const { counts, sample } = await countWords(base, family, options.corpus);

  // Reserved: added tokens and (SentencePiece) the byte tokens and <unk>/<s>/</s> keep their ids.
  const vocabulary = new Map<string, number>();
  const tokenStrings: string[] = [];
  const reserve = (token: string, id: number) => {
    vocabulary.set(token, id);
    tokenStrings[id] = token;
  };
  for (const token of base.json.added_tokens ?? []) reserve(token.content, token.id);
  const modelEntries = new Map<string, number>();
  if (family === "sentencepiece") {
    for (const [token, id] of Object.entries(baseVocabulary)) if (/^<0x[0-9A-F]{2}>$/.test(token) || vocabulary.get(token) === id) modelEntries.set(token, id);
    for (const [token, id] of modelEntries) reserve(token, id);
  }
  let nextId = 0;
  const take = (token: string): number => {
    while (tokenStrings[nextId] !== undefined) nextId += 1;
    reserve(token, nextId);
    modelEntries.set(token, nextId);
    return nextId;
  };
  if (family === "byte-level") {
    for (const character of bytesToUnicode()) take(character);
  } else {
    const characters = new Map<string, number>();
    for (const [word, count] of counts) for (const character of word) characters.set(character, (characters.get(character) ?? 0) + count);
    const minimum = options.minCharacterFrequency ?? 2;
    for (const [character] of [...characters].filter(([, count]) => count >= minimum).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
      if (!vocabulary.has(character)) take(character);
    }
  }
  while (tokenStrings[nextId] !== undefined) nextId += 1;
  const words: CountedWord[] = [];
  for (const [word, count] of counts) {
    const symbols = Array.from(word, (character) => (modelEntries.has(character) ? (modelEntries.get(character) as number) : -1));
    if (symbols.length > 1) words.push({ symbols, count });
  }
  counts.clear();
  const modelSizeSoFar = modelEntries.size;
  const wanted = Math.max(0, size - modelSizeSoFar);
  // New ids must stay clear of reserved ids: learnMerges numbers consecutively from `firstId`.
  const reservedAbove = tokenStrings.findIndex((token, id) => id >= nextId && token !== undefined);
  const room = reservedAbove < 0 ? wanted : Math.min(wanted, reservedAbove - nextId);
  const learned = learnMerges({ words, tokenStrings, vocabulary, count: room, minFrequency: options.minFrequency ?? 2, firstId: nextId });
  const warnings: string[] = [];
  if (learned.length < wanted)
    warnings.push(
      `learned ${learned.length} merges of the ${wanted} that would reach size ${size}: the corpus ran out of pairs (or of ids below the reserved ones)`,
    );

  const json = structuredClone(base.json) as TokenizerJson;
  const vocab: Record<string, number> = {};
  for (const [token, id] of modelEntries) vocab[token] = id;
  for (const merge of learned) vocab[merge.token] = merge.id;
  json.model.vocab = vocab;
  const vocabularySize = Object.keys(vocab).length;
  const stringForm = (base.json.model.merges ?? []).some((merge) => typeof merge === "string");
  json.model.merges = learned.map((merge) => (stringForm ? `${merge.left} ${merge.right}` : [merge.left, merge.right]));
  pinAddedTokenIds(json);

  return atomicOutputDirectory(
    options.out,
    async (temporary) => {
      await writeFile(join(temporary, "tokenizer.json"), `${JSON.stringify(json, null, 2)}\n`);
      for (const file of TOKENIZER_FILES) if (existsSync(join(options.base, file))) await copyFile(join(options.base, file), join(temporary, file));
      const replaced = await loadTokenizer(temporary);
      const heldout: string[] = [];
      if (options.heldout) for await (const line of readTexts(options.heldout)) if (line.trim() !== "") heldout.push(line);
      const texts = options.heldout ? heldout : sample;
      const report: ReplacementReport = {
        base: options.base,
        family,
        vocabularySize,
        merges: learned.length,
        efficiency: {
          before: tokenizerEfficiency(base, texts),
          after: tokenizerEfficiency(replaced, texts),
          sample: options.heldout ? "heldout" : `first ${sample.length} corpus lines`,
        },
        warnings,
        seconds: (performance.now() - started) / 1000,
      };
      await writeFile(join(temporary, REPLACEMENT_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
      return report;
    },
    { overwrite: options.overwrite, inputs: [options.base] },
  );
}

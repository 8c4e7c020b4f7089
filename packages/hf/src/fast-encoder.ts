import { BpeIdMerger } from "./bpe-id-merger.js";
import { type LibraryInternals, readLibraryInternals } from "./library-internals.js";
import { PieceCache } from "./piece-cache.js";
import { type PreTokenPlan, planPreTokens } from "./pre-token-plan.js";
import type { EncodeOptions, TokenEncoder } from "./token-encoder.js";
import { createWordEncoder, type WordEncoder } from "./word-encoder.js";

/**
 * A faster encode path with ids identical to `@huggingface/tokenizers` and Python `tokenizers`.
 * It reuses the library's added-token splitters, normalizer, pre-tokenizer patterns and
 * post-processor, and replaces the per-pre-token work: BPE over integer ids, byte-level mapping
 * only on a cache miss, and a pre-token -> ids cache, so a repeated word costs one Map lookup.
 */
export interface FastEncoder extends TokenEncoder {
  encode(text: string, options?: EncodeOptions): number[];
  /** Appends the ids of `text` to `output` (no intermediate arrays); returns how many were added. */
  encodeInto(text: string, output: number[], options?: EncodeOptions): number;
  /** False when the tokenizer is outside the fast path; encode then delegates to the library. */
  readonly accelerated: boolean;
  /** How pre-tokens are cut (`split+byte-level`, `words-before-▁`, ...), or why not accelerated. */
  readonly plan: string;
  /** Pre-tokens currently cached. */
  readonly cacheSize: number;
}

/** Cached pre-tokens per generation of the two-generation cache (~100 bytes each: ~40 MB at most). */
export const FAST_ENCODER_CACHE_ENTRIES = 200_000;
/** Pre-tokens longer than this are not cached (rare, and they would bloat the cache). */
const MAX_CACHED_PIECE_LENGTH = 256;
/** Stands for the text in the post-processor's template; cannot occur in a token list. */
const SENTINEL = "\u0000graft-fast-encoder-sentinel\u0000";
/** SentencePiece's word marker; a pre-tokenizer-less section may be cut before it (see below). */
const SENTENCEPIECE_MARKER = "\u2581";

export interface FastEncoderOptions {
  cacheEntries?: number;
}

/** What `createFastEncoder` accepts: a `GraftTokenizer` (its `.library`) or a library `Tokenizer`. */
export type FastEncoderSource = { library: unknown } | object;

interface Template {
  prefix: number[];
  suffix: number[];
}

function libraryEncoder(library: LibraryInternals | { encode(text: string, options?: object): { ids: number[] } }, reason: string): FastEncoder {
  return {
    accelerated: false,
    plan: `library (${reason})`,
    cacheSize: 0,
    encode: (text, options) => library.encode(text, { add_special_tokens: options?.addSpecialTokens ?? true }).ids,
    encodeInto(text, output, options) {
      const ids = library.encode(text, { add_special_tokens: options?.addSpecialTokens ?? true }).ids;
      for (const id of ids) output.push(id);
      return ids.length;
    },
  };
}

/** Prefix and suffix ids the post-processor adds around one sequence, or undefined if not a plain template. */
function readTemplate(internals: LibraryInternals, addSpecialTokens: boolean): Template | undefined {
  if (!internals.post_processor) return { prefix: [], suffix: [] };
  const tokens = internals.post_processor([SENTINEL], null, addSpecialTokens).tokens;
  const at = tokens.indexOf(SENTINEL);
  if (at < 0 || tokens.lastIndexOf(SENTINEL) !== at) return undefined;
  const idOf = (token: string): number | undefined =>
    internals.added_tokens_map.get(token)?.id ?? internals.model.tokens_to_ids.get(token) ?? internals.model.unk_token_id;
  const prefix = tokens.slice(0, at).map(idOf);
  const suffix = tokens.slice(at + 1).map(idOf);
  if (prefix.includes(undefined) || suffix.includes(undefined)) return undefined;
  return { prefix: prefix as number[], suffix: suffix as number[] };
}

/**
 * Whether a pre-tokenizer-less section can be cut before each "▁" that follows another
 * character: only when no merge joins a symbol not ending in "▁" to one starting with "▁"
 * (then no merge ever crosses the cut, and BPE per word equals BPE over the whole section).
 */
function canSplitBeforeMarker(internals: LibraryInternals): boolean {
  const merges = internals.model.merges ?? [];
  if (internals.model.ignore_merges) return false;
  for (const [left, right] of merges) {
    if (right.startsWith(SENTENCEPIECE_MARKER) && !left.endsWith(SENTENCEPIECE_MARKER)) return false;
  }
  return true;
}

/** Builds the fast encoder for a tokenizer; see `FastEncoder`. */
export function createFastEncoder(source: FastEncoderSource, options: FastEncoderOptions = {}): FastEncoder {
  const library = "library" in source ? (source as { library: unknown }).library : source;
  const internals = readLibraryInternals(library);
  if (!internals) {
    const encodable = library as { encode?: unknown };
    if (typeof encodable?.encode !== "function") throw new TypeError("createFastEncoder needs a GraftTokenizer or an @huggingface/tokenizers Tokenizer");
    return libraryEncoder(library as LibraryInternals, "unrecognised library internals");
  }
  if (internals.tokenizer.model.type !== "BPE") return libraryEncoder(internals, `model ${internals.tokenizer.model.type}`);
  if (internals.remove_space || internals.do_lowercase_and_remove_accent) return libraryEncoder(internals, "legacy config flags");
  if (new Set(internals.model.tokens_to_ids.values()).size !== internals.model.tokens_to_ids.size) return libraryEncoder(internals, "two tokens share an id");
  const withSpecials = readTemplate(internals, true);
  const withoutSpecials = readTemplate(internals, false);
  if (!withSpecials || !withoutSpecials) return libraryEncoder(internals, "post-processor is not a template");
  const merger = BpeIdMerger.create(internals.model.merges ?? [], (token) => internals.model.tokens_to_ids.get(token));
  if (!merger) return libraryEncoder(internals, "merges outside the vocabulary");
  const plan: PreTokenPlan = planPreTokens(internals, canSplitBeforeMarker(internals) ? SENTENCEPIECE_MARKER : undefined);
  const wordEncoder: WordEncoder | undefined = createWordEncoder(internals, merger, plan.byteLevel);
  if (!wordEncoder) return libraryEncoder(internals, "vocabulary lacks the byte alphabet or the unknown token");
  const cache = new PieceCache<number | readonly number[]>(options.cacheEntries ?? FAST_ENCODER_CACHE_ENTRIES);
  const unknownId = internals.model.fuse_unk ? internals.model.unk_token_id : undefined;
  const addedTokens = internals.added_tokens_map;
  const splitUnnormalized = quickSplitter(internals.splitter_unnormalized);
  const splitNormalized = quickSplitter(internals.splitter_normalized);

  let output: number[] = [];
  const emitPiece = (piece: string): void => {
    let ids = cache.get(piece);
    if (ids === undefined) {
      const encoded = wordEncoder(piece);
      ids = encoded.length === 1 ? encoded[0] : encoded;
      if (piece.length < MAX_CACHED_PIECE_LENGTH) cache.set(piece, ids);
    }
    if (typeof ids === "number") output.push(ids);
    else for (let index = 0; index < ids.length; index += 1) output.push(ids[index]);
  };

  /** One subsection through the pre-tokenizer and the model (the library's `this.model(...)` call). */
  const encodeSubsection = (text: string, sectionIndex: number): void => {
    const start = output.length;
    plan.forEachPiece(text, sectionIndex, emitPiece);
    if (unknownId !== undefined) fuseUnknown(output, start, unknownId);
  };

  /** Mirrors the library's `encode_text`: added tokens split first, lstrip/rstrip, normalizer. */
  const encodeText = (text: string): void => {
    const sections = splitAddedTokens(splitUnnormalized(text), addedTokens);
    for (let sectionIndex = 0; sectionIndex < sections.length; sectionIndex += 1) {
      let section = sections[sectionIndex];
      if (section.length === 0) continue;
      const added = addedTokens.get(section);
      if (added) {
        output.push(added.id);
        continue;
      }
      if (internals.normalizer) section = internals.normalizer(section);
      if (section.length === 0) continue;
      const subsections = splitAddedTokens(splitNormalized(section), addedTokens);
      for (const subsection of subsections) {
        if (subsection.length === 0) continue;
        const addedInside = addedTokens.get(subsection);
        if (addedInside) output.push(addedInside.id);
        else encodeSubsection(subsection, sectionIndex);
      }
    }
  };

  const encodeInto = (text: string, target: number[], encodeOptions?: EncodeOptions): number => {
    const template = (encodeOptions?.addSpecialTokens ?? true) ? withSpecials : withoutSpecials;
    const before = target.length;
    output = target;
    try {
      for (const id of template.prefix) output.push(id);
      encodeText(text);
      for (const id of template.suffix) output.push(id);
    } finally {
      output = [];
    }
    return target.length - before;
  };

  return {
    accelerated: true,
    plan: plan.kind,
    get cacheSize() {
      return cache.size;
    },
    encode(text, encodeOptions) {
      const ids: number[] = [];
      encodeInto(text, ids, encodeOptions);
      return ids;
    },
    encodeInto,
  };
}

/**
 * The library's added-token splitter walks a trie at every character; a text holding none of
 * the tokens' first characters cannot contain one, and one native regex test proves that.
 */
function quickSplitter(splitter: { split(text: string): string[]; trie?: Record<string, unknown> }): (text: string) => string[] {
  const firstCharacters = splitter.trie ? Object.keys(splitter.trie) : undefined;
  if (!firstCharacters) return (text) => splitter.split(text);
  if (firstCharacters.length === 0) return (text) => [text];
  const escaped = firstCharacters.map((character) => character.replace(/[\\^\]-]/g, "\\$&")).join("");
  const pattern = new RegExp(`[${escaped}]`);
  return (text) => (pattern.test(text) ? splitter.split(text) : [text]);
}

/** The library's lstrip/rstrip handling around added tokens (trims the neighbouring sections). */
function splitAddedTokens(sections: string[], addedTokens: LibraryInternals["added_tokens_map"]): string[] {
  for (let index = 0; index < sections.length; index += 1) {
    const added = addedTokens.get(sections[index]);
    if (!added) continue;
    if (added.lstrip && index > 0) sections[index - 1] = sections[index - 1].trimEnd();
    if (added.rstrip && index < sections.length - 1) sections[index + 1] = sections[index + 1].trimStart();
  }
  return sections;
}

/** `fuse_unk`: runs of unknown ids in one model call collapse into one (in place from `start`). */
function fuseUnknown(ids: number[], start: number, unknownId: number): void {
  let write = start;
  for (let read = start; read < ids.length; read += 1) {
    if (ids[read] === unknownId && write > start && ids[write - 1] === unknownId) continue;
    ids[write] = ids[read];
    write += 1;
  }
  ids.length = write;
}

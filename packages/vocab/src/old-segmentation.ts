import { GraftTokenizer, type TokenizerJson } from "@graft/hf";
import { byteLevelToText, isByteLevel } from "./byte-level-alphabet.js";

/**
 * How a row of the extended vocabulary relates to the base vocabulary:
 * - `copied`: the token string exists in the base (model vocab or added token): its base row.
 * - `segmented`: a new token: the mean of the base rows of its old segmentation.
 * - `unsegmentable`: no decomposition into base tokens: the mean of all base rows.
 * - `padding`: a row with no token (a gap or vocabulary padding): the mean of all base rows.
 */
export type SegmentationKind = "copied" | "segmented" | "unsegmentable" | "padding";

/**
 * The aggregation matrix A (rows x base rows) of LEP's mean initialisation in CSR form:
 * row `i` is the mean of base rows `baseIds[offsets[i] .. offsets[i + 1])`; an empty range
 * means the mean of ALL base rows (kinds `unsegmentable` and `padding`).
 */
export interface OldSegmentation {
  /** Rows of the base embedding matrix the base ids index (base tokenizer's highest id + 1). */
  baseRowCount: number;
  /** Rows covered: at least the extended tokenizer's highest id + 1. */
  rowCount: number;
  offsets: Int32Array;
  baseIds: Int32Array;
  kinds: SegmentationKind[];
  /** Ids of the extended vocabulary whose token the base lacks (kinds `segmented` / `unsegmentable`). */
  newTokenIds: number[];
  /** The base ids of row `id` (empty: mean of all base rows). */
  segment(id: number): number[];
}

export interface OldSegmentationOptions {
  /** The base tokenizer: a loaded `GraftTokenizer` or a parsed `tokenizer.json`. */
  baseTokenizer: GraftTokenizer | TokenizerJson;
  /** The extended tokenizer (same forms). */
  extendedTokenizer: GraftTokenizer | TokenizerJson;
  /** Rows to cover (e.g. a padded embedding matrix); default: the extended highest id + 1. */
  rowCount?: number;
}

function asTokenizer(tokenizer: GraftTokenizer | TokenizerJson, label: string): GraftTokenizer {
  // Duck-typed: a GraftTokenizer from another copy of @graft/hf (src vs dist) is still one.
  if (tokenizer instanceof GraftTokenizer || (typeof (tokenizer as unknown as GraftTokenizer).encode === "function" && "library" in tokenizer))
    return tokenizer as unknown as GraftTokenizer;
  return new GraftTokenizer({ path: `<${label} tokenizer.json>`, json: tokenizer, config: {}, sha256: "" });
}

interface LibraryModel {
  encode(pieces: string[]): string[];
}
interface LibraryTokenizer {
  model: LibraryModel;
  pre_tokenizer: ((text: string, options?: unknown) => string[]) | null;
}

/**
 * Segments every token of `extendedTokenizer` into base ids with the base pre-tokenizer and the
 * base BPE model directly (no normaliser on model-vocab tokens, no special tokens, no
 * post-processor), as LEP's mean initialisation and its aggregation matrix need.
 *
 * Model-vocab tokens are strings in the model alphabet (byte-level characters, or `▁` and
 * `<0xNN>` for SentencePiece-style BPE). A byte-level token whose bytes are complete UTF-8 is
 * decoded and split by the base pre-tokenizer (kept whole if the split does not reproduce it);
 * one ending inside a UTF-8 character, and every SentencePiece-style token (whose spaces are
 * already `▁`), is one pre-token. Added tokens the base lacks are raw text: their content is
 * encoded by the base tokenizer without special tokens.
 */
export function oldSegmentation({ baseTokenizer, extendedTokenizer, rowCount }: OldSegmentationOptions): OldSegmentation {
  const base = asTokenizer(baseTokenizer, "base");
  const extended = asTokenizer(extendedTokenizer, "extended");
  const library = base.library as unknown as LibraryTokenizer;
  const byteLevel = isByteLevel(base.json);
  const baseUnknownId = base.specialTokens.unk?.id ?? unknownIdOf(base);
  const baseRowCount = base.idLimit;
  const rows = Math.max(rowCount ?? 0, extended.idLimit);
  const addedContents = new Set(extended.addedTokens.map((token) => token.content));

  const segments: number[][] = new Array(rows);
  const kinds: SegmentationKind[] = new Array(rows);
  const newTokenIds: number[] = [];
  for (let id = 0; id < rows; id += 1) {
    const token = extended.idToToken(id);
    if (token === undefined) {
      segments[id] = [];
      kinds[id] = "padding";
      continue;
    }
    const baseId = base.tokenToId(token);
    if (baseId !== undefined) {
      segments[id] = [baseId];
      kinds[id] = "copied";
      continue;
    }
    newTokenIds.push(id);
    const ids = addedContents.has(token) ? base.encode(token, { addSpecialTokens: false }) : segmentModelToken(token, { base, library, byteLevel });
    const usable = ids !== undefined && ids.length > 0 && ids.every((value) => value !== baseUnknownId && value < baseRowCount);
    segments[id] = usable ? ids : [];
    kinds[id] = usable ? "segmented" : "unsegmentable";
  }

  const offsets = new Int32Array(rows + 1);
  for (let id = 0; id < rows; id += 1) offsets[id + 1] = offsets[id] + segments[id].length;
  const baseIds = new Int32Array(offsets[rows]);
  for (let id = 0; id < rows; id += 1) baseIds.set(segments[id], offsets[id]);
  return {
    baseRowCount,
    rowCount: rows,
    offsets,
    baseIds,
    kinds,
    newTokenIds,
    segment: (id: number) => Array.from(baseIds.subarray(offsets[id], offsets[id + 1])),
  };
}

const BYTE_FALLBACK_TOKEN = /^<0x([0-9A-F]{2})>$/;

function unknownIdOf(tokenizer: GraftTokenizer): number | undefined {
  const unknown = (tokenizer.json.model as { unk_token?: unknown }).unk_token;
  return typeof unknown === "string" ? tokenizer.tokenToId(unknown) : undefined;
}

function segmentModelToken(
  token: string,
  { base, library, byteLevel }: { base: GraftTokenizer; library: LibraryTokenizer; byteLevel: boolean },
): number[] | undefined {
  let pieces = [token];
  if (byteLevel && library.pre_tokenizer) {
    const text = byteLevelToText(token);
    if (text !== undefined) {
      const split = library.pre_tokenizer(text);
      if (split.join("") === token) pieces = split;
    }
  }
  const ids: number[] = [];
  let spelled = "";
  let pendingBytes: number[] = [];
  const flushBytes = () => {
    if (pendingBytes.length > 0) spelled += new TextDecoder().decode(Uint8Array.from(pendingBytes));
    pendingBytes = [];
  };
  for (const piece of library.model.encode(pieces)) {
    const id = base.tokenToId(piece);
    if (id === undefined) return undefined;
    ids.push(id);
    const fallbackByte = BYTE_FALLBACK_TOKEN.exec(piece);
    if (fallbackByte) pendingBytes.push(Number.parseInt(fallbackByte[1], 16));
    else {
      flushBytes();
      spelled += piece;
    }
  }
  flushBytes();
  // Characters outside the model's alphabet are dropped by the model (no unk, no byte fallback):
  // base tokens that do not spell the token back are no decomposition.
  return spelled === token ? ids : undefined;
}

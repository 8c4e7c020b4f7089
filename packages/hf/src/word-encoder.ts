import type { BpeIdMerger } from "./bpe-id-merger.js";
import type { LibraryInternals } from "./library-internals.js";

/** Ids of one pre-token: the library's BPE `encode([piece])` followed by its id lookup. */
export type WordEncoder = (piece: string) => number[];

/** GPT-2's byte -> printable character table, as the library and Rust build it. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let code = 33; code <= 126; code += 1) printable.push(code);
  for (let code = 161; code <= 172; code += 1) printable.push(code);
  for (let code = 174; code <= 255; code += 1) printable.push(code);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let byte = 0; byte < 256; byte += 1) {
    if (printable.includes(byte)) table[byte] = String.fromCharCode(byte);
    else {
      table[byte] = String.fromCharCode(256 + extra);
      extra += 1;
    }
  }
  return table;
}

const encoder = new TextEncoder();

/**
 * Builds the per-pre-token encoder, or undefined when the vocabulary cannot back the id form
 * (a byte-level vocabulary without all 256 byte symbols, a declared unknown token without an id).
 */
export function createWordEncoder(internals: LibraryInternals, merger: BpeIdMerger, byteLevel: boolean): WordEncoder | undefined {
  const model = internals.model;
  const vocabulary = model.tokens_to_ids;
  const ignoreMerges = model.ignore_merges ?? false;
  const unknownToken = model.unk_token ?? null;
  const unknownId = unknownToken === null ? undefined : vocabulary.get(unknownToken);
  if (unknownToken !== null && unknownId === undefined) return undefined;
  // The library maps output strings through added_tokens_map first: a normalized added-token
  // content that equals a vocabulary string takes the added token's id.
  const remap = new Map<number, number>();
  for (const [content, token] of internals.added_tokens_map) {
    const id = vocabulary.get(content);
    if (id !== undefined && id !== token.id) remap.set(id, token.id);
  }
  const finalId = remap.size === 0 ? (id: number) => id : (id: number) => remap.get(id) ?? id;

  if (byteLevel) {
    const byteCharacters = bytesToUnicode();
    const byteIds = byteCharacters.map((character) => vocabulary.get(character));
    if (byteIds.some((id) => id === undefined)) return undefined;
    const symbols: number[] = [];
    let buffer = new Uint8Array(1024);
    return (piece) => {
      if (buffer.length < piece.length * 3) buffer = new Uint8Array(piece.length * 3);
      const { written } = encoder.encodeInto(piece, buffer);
      if (ignoreMerges) {
        let mapped = "";
        for (let index = 0; index < written; index += 1) mapped += byteCharacters[buffer[index]];
        const whole = vocabulary.get(mapped);
        if (whole !== undefined) return [finalId(whole)];
      }
      for (let index = 0; index < written; index += 1) symbols[index] = byteIds[buffer[index]] as number;
      const count = merger.merge(symbols, written);
      const ids = new Array<number>(count);
      for (let index = 0; index < count; index += 1) ids[index] = finalId(symbols[index]);
      return ids;
    };
  }

  const byteFallback = model.byte_fallback ?? false;
  const byteTokenIds: (number | undefined)[] = [];
  for (let byte = 0; byte < 256; byte += 1) byteTokenIds.push(vocabulary.get(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`));
  /** A character outside the vocabulary: its byte tokens, else the unknown token, else nothing. */
  const unknownCharacter = (character: string, ids: number[]): void => {
    if (byteFallback) {
      const bytes = encoder.encode(character);
      const fallback = Array.from(bytes, (byte) => byteTokenIds[byte]);
      if (fallback.every((id) => id !== undefined)) {
        for (const id of fallback) ids.push(finalId(id as number));
        return;
      }
    }
    if (unknownId !== undefined) ids.push(finalId(unknownId));
  };
  const symbols: number[] = [];
  const unknownCharacters: string[] = [];
  return (piece) => {
    if (ignoreMerges) {
      const whole = vocabulary.get(piece);
      if (whole !== undefined) return [finalId(whole)];
    }
    let count = 0;
    unknownCharacters.length = 0;
    for (const character of piece) {
      const id = vocabulary.get(character);
      if (id === undefined) {
        unknownCharacters.push(character);
        symbols[count] = -unknownCharacters.length;
      } else symbols[count] = id;
      count += 1;
    }
    count = merger.merge(symbols, count);
    const ids: number[] = [];
    for (let index = 0; index < count; index += 1) {
      const symbol = symbols[index];
      if (symbol >= 0) ids.push(finalId(symbol));
      else unknownCharacter(unknownCharacters[-symbol - 1], ids);
    }
    return ids;
  };
}

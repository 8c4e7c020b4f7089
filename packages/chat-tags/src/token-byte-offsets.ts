import type { GraftTokenizer } from "@graft/hf";

/** GPT-2's byte <-> printable-character table, inverted: character -> byte. */
function byteLevelDecoder(): Map<string, number> {
  const bytes: number[] = [];
  for (let byte = 33; byte <= 126; byte += 1) bytes.push(byte);
  for (let byte = 161; byte <= 172; byte += 1) bytes.push(byte);
  for (let byte = 174; byte <= 255; byte += 1) bytes.push(byte);
  const characters = [...bytes];
  let extra = 0;
  for (let byte = 0; byte < 256; byte += 1) {
    if (!bytes.includes(byte)) {
      bytes.push(byte);
      characters.push(256 + extra);
      extra += 1;
    }
  }
  return new Map(bytes.map((byte, index) => [String.fromCharCode(characters[index]), byte]));
}

let byteLevelTable: Map<string, number> | undefined;
const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;
const encoder = new TextEncoder();

function isByteLevel(tokenizer: GraftTokenizer): boolean {
  return JSON.stringify(tokenizer.json.decoder ?? {}).includes('"ByteLevel"');
}

/** The raw bytes a token stands for (before any prefix-space handling). */
function tokenBytes(tokenizer: GraftTokenizer, id: number, byteLevel: boolean, addedIds: Set<number>): Uint8Array {
  const token = tokenizer.idToToken(id) ?? "";
  if (addedIds.has(id)) return encoder.encode(token);
  if (byteLevel) {
    byteLevelTable ??= byteLevelDecoder();
    return Uint8Array.from([...token].map((character) => byteLevelTable?.get(character) ?? 0x3f));
  }
  const fallback = BYTE_FALLBACK.exec(token);
  if (fallback) return Uint8Array.of(Number.parseInt(fallback[1], 16));
  return encoder.encode(token.replace(/\u2581/g, " "));
}

/**
 * Byte ranges of each token in `text` (UTF-8), aligning tokens to the text: a token's leading
 * space that the text does not have (SentencePiece's prepended "▁") is skipped. Returns
 * undefined when the tokens do not spell the text (a normalizer changed it).
 */
export function tokenByteOffsets(tokenizer: GraftTokenizer, text: string, ids: readonly number[]): [number, number][] | undefined {
  const textBytes = encoder.encode(text);
  const byteLevel = isByteLevel(tokenizer);
  const addedIds = new Set(tokenizer.addedTokens.map((token) => token.id));
  const offsets: [number, number][] = [];
  let cursor = 0;
  const matchesAt = (bytes: Uint8Array, from: number, at: number) => {
    if (at + bytes.length - from > textBytes.length) return false;
    for (let index = from; index < bytes.length; index += 1) if (textBytes[at + index - from] !== bytes[index]) return false;
    return true;
  };
  for (const id of ids) {
    const bytes = tokenBytes(tokenizer, id, byteLevel, addedIds);
    if (matchesAt(bytes, 0, cursor)) {
      offsets.push([cursor, cursor + bytes.length]);
      cursor += bytes.length;
    } else if (bytes[0] === 0x20 && matchesAt(bytes, 1, cursor)) {
      offsets.push([cursor, cursor + bytes.length - 1]);
      cursor += bytes.length - 1;
    } else return undefined;
  }
  return cursor === textBytes.length ? offsets : undefined;
}

/** UTF-16 index -> UTF-8 byte offset in `text`. */
export function byteOffsetOf(text: string, index: number): number {
  return encoder.encode(text.slice(0, index)).length;
}

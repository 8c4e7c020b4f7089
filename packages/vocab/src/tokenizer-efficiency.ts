import type { GraftTokenizer } from "@graft/hf";
import { byteLevelToBytes } from "./byte-level-alphabet.js";

/** How many characters, bytes and words a tokenizer packs into its tokens on some text. */
export interface TokenizerEfficiency {
  characters: number;
  bytes: number;
  words: number;
  tokens: number;
  charactersPerToken: number;
  bytesPerToken: number;
  /** Whitespace-separated words (scripts without spaces count a run as one word). */
  tokensPerWord: number;
  /** Share of tokens that stand for bytes rather than characters: `<0xNN>` byte fallback, or byte-level tokens that are not whole UTF-8 characters. */
  byteTokenShare: number;
}

const BYTE_FALLBACK = /^<0x[0-9A-F]{2}>$/;
const WORD = /\S+/gu;

/** Whether a token id stands for partial-character bytes (computed once per id). */
function byteTokenTest(tokenizer: GraftTokenizer): (id: number) => boolean {
  const cache = new Map<number, boolean>();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return (id) => {
    let known = cache.get(id);
    if (known !== undefined) return known;
    const token = tokenizer.idToToken(id) ?? "";
    if (BYTE_FALLBACK.test(token)) known = true;
    else {
      const bytes = byteLevelToBytes(token);
      known = false;
      if (bytes?.some((byte) => byte >= 0x80)) {
        try {
          decoder.decode(bytes);
        } catch {
          known = true;
        }
      }
    }
    cache.set(id, known);
    return known;
  };
}

/** Measures a tokenizer on texts (no special tokens are counted). */
export function tokenizerEfficiency(tokenizer: GraftTokenizer, texts: Iterable<string>): TokenizerEfficiency {
  const isByteToken = byteTokenTest(tokenizer);
  const utf8 = new TextEncoder();
  let characters = 0;
  let bytes = 0;
  let words = 0;
  let tokens = 0;
  let byteTokens = 0;
  for (const text of texts) {
    characters += [...text].length;
    bytes += utf8.encode(text).length;
    words += text.match(WORD)?.length ?? 0;
    const ids = tokenizer.encode(text, { addSpecialTokens: false });
    tokens += ids.length;
    for (const id of ids) if (isByteToken(id)) byteTokens += 1;
  }
  const per = (value: number, divisor: number) => (divisor === 0 ? 0 : value / divisor);
  return {
    characters,
    bytes,
    words,
    tokens,
    charactersPerToken: per(characters, tokens),
    bytesPerToken: per(bytes, tokens),
    tokensPerWord: per(tokens, words),
    byteTokenShare: per(byteTokens, tokens),
  };
}

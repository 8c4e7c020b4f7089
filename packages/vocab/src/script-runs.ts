/**
 * SentencePiece trains with `split_by_unicode_script` and `split_by_number`: no piece mixes
 * letters of two scripts, letters with digits, or letters with punctuation. Tokenizers converted
 * from SentencePiece (Llama-2, Mistral, Gemma) have no pre-tokenizer that enforces this, so words
 * counted for an extension are cut the same way; otherwise new merges would glue punctuation to
 * words and change how the base language encodes. The leading "▁" stays with the first run,
 * except before a digit: digits are single pieces.
 */
const MARKER = "\u2581";
const LETTER = /\p{L}/u;
const MARK = /\p{M}/u;
const NUMBER = /\p{N}/u;

function classOf(character: string): string {
  if (character === MARKER) return "marker";
  if (NUMBER.test(character)) return "number";
  if (LETTER.test(character)) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 0x250) return "latin";
    if (code >= 0x370 && code < 0x400) return "greek";
    if (code >= 0x400 && code < 0x530) return "cyrillic";
    if (code >= 0x3040 && code < 0x3100) return "kana";
    if ((code >= 0x4e00 && code < 0xa000) || (code >= 0x3400 && code < 0x4dc0)) return "han";
    if (code >= 0xac00 && code < 0xd7b0) return "hangul";
    return `letter-${code >> 7}`;
  }
  return MARK.test(character) ? "mark" : "other";
}

/** Emits the runs of `word` that stay within one script / digits / other class. */
export function forEachScriptRun(word: string, emit: (run: string) => void): void {
  let start = 0;
  let previous: string | undefined;
  let index = 0;
  for (const character of word) {
    const kind = classOf(character);
    // Digits stand alone and never take the "▁" (SentencePiece's split_digits, as Llama-2 was trained).
    const joins = kind === "mark" || previous === undefined || (previous === "marker" && kind !== "number") || (kind === previous && kind !== "number");
    if (joins) {
      if (kind !== "mark") previous = kind;
    } else {
      emit(word.slice(start, index));
      start = index;
      previous = kind;
    }
    index += character.length;
  }
  if (start < word.length) emit(word.slice(start));
}

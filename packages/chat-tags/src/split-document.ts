import { SampleTooLongError } from "./sample-too-long-error.js";

const SENTENCE_END = /(?<=[.!?…。！？])\s+/u;

/**
 * Splits text at paragraph, then line, then sentence boundaries into chunks whose token count
 * (`countTokens`) is at most `budget`. Pieces are packed greedily (lines of one paragraph are
 * re-joined with a blank line, as paragraphs are); a sentence too long alone is an error.
 */
export function splitDocument(text: string, budget: number, countTokens: (text: string) => number): string[] {
  if (countTokens(text) <= budget) return [text];
  const pieces: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    if (paragraph.trim() === "") continue;
    if (countTokens(paragraph) <= budget) pieces.push(paragraph);
    else {
      for (const line of paragraph.split("\n")) {
        if (line.trim() === "") continue;
        if (countTokens(line) <= budget) {
          pieces.push(line);
          continue;
        }
        for (const sentence of line.split(SENTENCE_END)) {
          const tokens = countTokens(sentence);
          if (tokens > budget) throw new SampleTooLongError({ tokens, maxLength: budget, excerpt: sentence.slice(0, 60) });
          pieces.push(sentence);
        }
      }
    }
  }
  const chunks: string[] = [];
  let current = "";
  for (const piece of pieces) {
    const joined = current ? `${current}\n\n${piece}` : piece;
    if (current && countTokens(joined) > budget) {
      chunks.push(current);
      current = piece;
    } else current = joined;
  }
  if (current) chunks.push(current);
  return chunks;
}

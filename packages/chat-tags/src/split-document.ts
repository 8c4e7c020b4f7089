import { SampleTooLongError } from "./sample-too-long-error.js";

const SENTENCE_END = /(?<=[.!?…。！？])\s+/u;

/**
 * Splits text at paragraph, then sentence boundaries into chunks whose token count
 * (`countTokens`) is at most `budget`. Paragraphs are packed greedily; a paragraph too long
 * alone is split into sentences; a sentence too long alone is an error.
 */
export function splitDocument(text: string, budget: number, countTokens: (text: string) => number): string[] {
  if (countTokens(text) <= budget) return [text];
  const pieces: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    if (paragraph.trim() === "") continue;
    if (countTokens(paragraph) <= budget) pieces.push(paragraph);
    else {
      for (const sentence of paragraph.split(SENTENCE_END)) {
        const tokens = countTokens(sentence);
        if (tokens > budget) throw new SampleTooLongError({ tokens, maxLength: budget, excerpt: sentence.slice(0, 60) });
        pieces.push(sentence);
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

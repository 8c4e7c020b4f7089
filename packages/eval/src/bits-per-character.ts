import type { GraftTokenizer } from "@graft/hf";
import type { CausalLanguageModel } from "./causal-language-model.js";
import { logProbability } from "./score-continuations.js";

export interface BitsPerCharacterOptions {
  /** Tokens per forward pass (the context window used for scoring). */
  window?: number;
  /** New tokens scored per window; the rest of each window is context (default window / 2). */
  stride?: number;
}

export interface BitsPerCharacterResult {
  bitsPerCharacter: number;
  /** Natural-log perplexity per token. */
  perplexity: number;
  negativeLogLikelihood: number;
  scoredTokens: number;
  characters: number;
}

export const DEFAULT_PERPLEXITY_WINDOW = 512;

/**
 * Bits per character of `text` (comparable across tokenizers, unlike per-token perplexity):
 * the summed negative log-likelihood of every token after the first, in bits, over the text's
 * characters (code points). Long texts are scored with a sliding window (HF's strided method).
 */
export async function bitsPerCharacter(
  model: CausalLanguageModel,
  tokenizer: GraftTokenizer,
  text: string,
  options: BitsPerCharacterOptions = {},
): Promise<BitsPerCharacterResult> {
  const ids = tokenizer.encode(text, { addSpecialTokens: true });
  const window = options.window ?? DEFAULT_PERPLEXITY_WINDOW;
  // Each window must overlap the previous one by at least a token, so no token goes unscored.
  const stride = Math.min(options.stride ?? Math.max(1, Math.floor(window / 2)), window - 1);
  let negativeLogLikelihood = 0;
  let scoredUpTo = 1; // Token 0 has no context.
  for (let begin = 0; scoredUpTo < ids.length; begin += stride) {
    const end = Math.min(begin + window, ids.length);
    const chunk = ids.slice(begin, end);
    const { logits, vocabulary } = await model.forward({ inputIds: [chunk], keepCache: false });
    for (let position = Math.max(scoredUpTo, begin + 1); position < end; position += 1) {
      const row = (position - begin - 1) * vocabulary;
      negativeLogLikelihood -= logProbability(logits.subarray(row, row + vocabulary), ids[position]!).logProbability;
    }
    scoredUpTo = end;
  }
  const scoredTokens = Math.max(0, ids.length - 1);
  const characters = [...text].length;
  return {
    bitsPerCharacter: negativeLogLikelihood / Math.LN2 / characters,
    perplexity: Math.exp(negativeLogLikelihood / Math.max(1, scoredTokens)),
    negativeLogLikelihood,
    scoredTokens,
    characters,
  };
}

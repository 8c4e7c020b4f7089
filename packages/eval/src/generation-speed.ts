import type { GraftTokenizer } from "@graft/hf";
import type { CausalLanguageModel, KeyValueCache } from "./causal-language-model.js";
import { generate, pickToken } from "./generate.js";

/** Fixed output length of the free greedy generation. */
export const SPEED_NEW_TOKENS = 64;
/** Length of the fixed target-language passage every model "writes" (forced decoding). */
export const SPEED_PASSAGE_CHARACTERS = 300;

export interface GenerationSpeed {
  /** Prompt tokens per second of the prefill pass. */
  prefillTokensPerSecond: number;
  /** Decode tokens per second of a free greedy generation of `newTokens` tokens (prefill excluded). */
  tokensPerSecond: number;
  newTokens: number;
  /** Characters per second of what that free generation decoded to (an untrained model writes anything). */
  generatedCharactersPerSecond: number;
  /**
   * Target-language characters per second: the time to write the same fixed passage token by token
   * (forced decoding through the KV cache, argmax at every step as in greedy generation), so a
   * tokenizer that needs fewer tokens for the language writes it faster. What a bigger vocabulary buys.
   */
  charactersPerSecond: number;
  passageCharacters: number;
  passageTokens: number;
}

/** Decode steps a model takes to write `passageIds` after `promptIds`; seconds of the decode steps. */
async function forcedDecodeSeconds(model: CausalLanguageModel, promptIds: readonly number[], passageIds: readonly number[]): Promise<number> {
  let { cache } = await model.forward({ inputIds: [[...promptIds]], lastLogitsOnly: true });
  const started = performance.now();
  for (const id of passageIds) {
    const result: { logits: Float32Array; vocabulary: number; cache?: KeyValueCache } = await model.forward({ inputIds: [[id]], cache, lastLogitsOnly: true });
    pickToken(result.logits.subarray(result.logits.length - result.vocabulary), {}, Math.random);
    cache = result.cache;
  }
  return (performance.now() - started) / 1000;
}

/**
 * Generation speed at a fixed output length, batch 1: a free greedy generation (tokens/s, and the
 * characters it produced) and the forced writing of a fixed target-language passage (characters/s
 * comparable across tokenizers).
 */
export async function generationSpeed(
  model: CausalLanguageModel,
  tokenizer: GraftTokenizer,
  options: { prompt: string; passage: string; newTokens?: number },
): Promise<GenerationSpeed> {
  const promptIds = tokenizer.encode(options.prompt);
  const newTokens = options.newTokens ?? SPEED_NEW_TOKENS;
  // One more step than `newTokens`: the first step is the prefill, the rest are `newTokens` decode steps.
  const generation = await generate(model, promptIds, { maxNewTokens: newTokens + 1 });
  const decodedTokens = generation.tokenIds.length - 1;
  const generated = [...tokenizer.decode(generation.tokenIds.slice(1), { skipSpecialTokens: true })].length;
  const passageIds = tokenizer.encode(options.passage, { addSpecialTokens: false });
  const passageSeconds = await forcedDecodeSeconds(model, promptIds, passageIds);
  const passageCharacters = [...options.passage].length;
  return {
    prefillTokensPerSecond: promptIds.length / generation.prefillSeconds,
    tokensPerSecond: decodedTokens / generation.decodeSeconds,
    newTokens: decodedTokens,
    generatedCharactersPerSecond: generated / generation.decodeSeconds,
    charactersPerSecond: passageCharacters / passageSeconds,
    passageCharacters,
    passageTokens: passageIds.length,
  };
}

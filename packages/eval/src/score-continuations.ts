import type { CausalLanguageModel } from "./causal-language-model.js";

export interface ScoreRequest {
  /** Context ids (include BOS if the model expects it); at least one token. */
  context: readonly number[];
  continuation: readonly number[];
}

export interface ContinuationScore {
  /** Sum of natural-log probabilities of the continuation tokens. */
  logLikelihood: number;
  tokenCount: number;
  /** True when every continuation token is the argmax (lm-eval's `is_greedy`). */
  greedy: boolean;
}

/** Default rows per forward pass; a batch holds this many left-padded sequences. */
export const DEFAULT_SCORE_BATCH_SIZE = 8;
/** Padding id for left padding (masked out, so any valid id works). */
const PADDING_ID = 0;

/** Log-probability of `target` under one row of logits, plus whether it is the argmax. */
export function logProbability(row: Float32Array, target: number): { logProbability: number; argmax: boolean } {
  let maximum = -Infinity;
  let best = 0;
  for (let index = 0; index < row.length; index += 1) {
    if (row[index]! > maximum) {
      maximum = row[index]!;
      best = index;
    }
  }
  let sum = 0;
  for (let index = 0; index < row.length; index += 1) sum += Math.exp(row[index]! - maximum);
  return { logProbability: row[target]! - maximum - Math.log(sum), argmax: best === target };
}

/** Log-likelihood of each continuation given its context, batched with left padding. */
export async function scoreContinuations(
  model: CausalLanguageModel,
  requests: readonly ScoreRequest[],
  options: { batchSize?: number } = {},
): Promise<ContinuationScore[]> {
  const batchSize = options.batchSize ?? DEFAULT_SCORE_BATCH_SIZE;
  const scores: ContinuationScore[] = [];
  for (let start = 0; start < requests.length; start += batchSize) {
    const batch = requests.slice(start, start + batchSize);
    const sequences = batch.map((request) => [...request.context, ...request.continuation]);
    const length = Math.max(...sequences.map((sequence) => sequence.length));
    const inputIds = sequences.map((sequence) => [...new Array<number>(length - sequence.length).fill(PADDING_ID), ...sequence]);
    const attentionMask = sequences.map((sequence) => [...new Array<number>(length - sequence.length).fill(0), ...new Array<number>(sequence.length).fill(1)]);
    const { logits, vocabulary } = await model.forward({ inputIds, attentionMask, keepCache: false });
    batch.forEach((request, row) => {
      let logLikelihood = 0;
      let greedy = true;
      const continuationStart = length - request.continuation.length;
      for (let offset = 0; offset < request.continuation.length; offset += 1) {
        const position = continuationStart + offset - 1;
        const base = (row * length + position) * vocabulary;
        const result = logProbability(logits.subarray(base, base + vocabulary), request.continuation[offset]!);
        logLikelihood += result.logProbability;
        greedy &&= result.argmax;
      }
      scores.push({ logLikelihood, tokenCount: request.continuation.length, greedy });
    });
  }
  return scores;
}

import { seededUniform } from "@graft/utils";
import type { CausalLanguageModel, KeyValueCache } from "./causal-language-model.js";
import { type GenerateOptions, type GenerateResult, pickToken } from "./generate.js";

/** Rows per forward pass of a batched generation by default. */
export const DEFAULT_GENERATION_BATCH_SIZE = 16;
/** Padding id for left padding (masked out, so any valid id works). */
const PADDING_ID = 0;

export interface GenerateBatchOptions extends Omit<GenerateOptions, "useCache"> {
  /** Prompts per forward pass (default 16); 1 is `generate` one prompt at a time. */
  batchSize?: number;
}

/**
 * `generate` for many prompts: each batch is left-padded (attention mask, position ids from the mask)
 * and decoded together through the KV cache, one new token per row per step; every row stops at its
 * own stop token (a finished row keeps being fed its last token, which no other row attends to,
 * until the whole batch is done). Prompts are grouped by length so that little padding is run, and
 * the results come back in the prompts' order. Timings are the batch's, shared by its rows.
 */
export async function generateBatch(
  model: CausalLanguageModel,
  prompts: readonly (readonly number[])[],
  options: GenerateBatchOptions,
): Promise<GenerateResult[]> {
  const batchSize = options.batchSize ?? DEFAULT_GENERATION_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`generateBatch: batchSize ${batchSize}; need an integer >= 1`);
  for (const [index, prompt] of prompts.entries()) if (prompt.length === 0) throw new RangeError(`generateBatch: prompt ${index} has no tokens`);
  const order = prompts.map((_, index) => index).sort((left, right) => prompts[left]!.length - prompts[right]!.length || left - right);
  const results = new Array<GenerateResult>(prompts.length);
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, start + batchSize);
    const batch = await generateOneBatch(
      model,
      indices.map((index) => prompts[index]!),
      options,
    );
    indices.forEach((index, row) => {
      results[index] = batch[row]!;
    });
  }
  return results;
}

async function generateOneBatch(model: CausalLanguageModel, prompts: readonly (readonly number[])[], options: GenerateBatchOptions): Promise<GenerateResult[]> {
  const stop = new Set(options.stopTokenIds ?? []);
  const uniforms = prompts.map(() => seededUniform(options.seed ?? 0));
  const width = Math.max(...prompts.map((prompt) => prompt.length));
  let input = prompts.map((prompt) => [...new Array<number>(width - prompt.length).fill(PADDING_ID), ...prompt]);
  const mask = prompts.map((prompt) => [...new Array<number>(width - prompt.length).fill(0), ...new Array<number>(prompt.length).fill(1)]);
  const generated = prompts.map((): number[] => []);
  const stopped = prompts.map(() => false);
  let cache: KeyValueCache | undefined;
  let prefillSeconds = 0;
  let decodeStart = 0;
  for (let step = 0; step < options.maxNewTokens && stopped.includes(false); step += 1) {
    const started = performance.now();
    const result = await model.forward({ inputIds: input, attentionMask: mask, cache, keepCache: true, lastLogitsOnly: true });
    if (step === 0) {
      prefillSeconds = (performance.now() - started) / 1000;
      decodeStart = performance.now();
    }
    if (!result.cache) throw new Error(`${model.backend} backend returned no cache for ${model.directory}; generateBatch needs one to continue`);
    cache = result.cache;
    const rows = result.logits.length / result.vocabulary / prompts.length;
    const next = prompts.map((_, row) => {
      if (stopped[row]) return generated[row]!.at(-1)!;
      const base = (row * rows + rows - 1) * result.vocabulary;
      const token = pickToken(result.logits.subarray(base, base + result.vocabulary), options, uniforms[row]!);
      generated[row]!.push(token);
      if (stop.has(token)) stopped[row] = true;
      return token;
    });
    input = next.map((token) => [token]);
    for (const row of mask) row.push(1);
  }
  const decodeSeconds = decodeStart === 0 ? 0 : (performance.now() - decodeStart) / 1000;
  return generated.map((tokenIds, row) => ({
    tokenIds,
    stoppedBy: stopped[row] ? "stop-token" : "max-new-tokens",
    prefillSeconds,
    decodeSeconds,
  }));
}

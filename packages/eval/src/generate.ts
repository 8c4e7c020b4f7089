import { seededUniform } from "@graft/utils";
import type { CausalLanguageModel, KeyValueCache } from "./causal-language-model.js";

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  /** Nucleus sampling mass (default 1 = off). */
  topP?: number;
  seed?: number;
  /** Generation stops after emitting one of these ids (EOS, end-of-turn). */
  stopTokenIds?: readonly number[];
  /** Reuse the KV cache between steps (default true); false recomputes the full sequence each step. */
  useCache?: boolean;
}

export interface GenerateResult {
  tokenIds: number[];
  stoppedBy: "stop-token" | "max-new-tokens";
  prefillSeconds: number;
  decodeSeconds: number;
}

/** Picks the next token from one row of logits: argmax, or temperature + top-p sampling. */
export function pickToken(logits: Float32Array, options: { temperature?: number; topP?: number }, uniform: () => number): number {
  const temperature = options.temperature ?? 0;
  if (temperature <= 0) {
    let best = 0;
    for (let index = 1; index < logits.length; index += 1) if (logits[index]! > logits[best]!) best = index;
    return best;
  }
  let maximum = -Infinity;
  for (const value of logits) maximum = Math.max(maximum, value);
  const probabilities = Array.from(logits, (value, id) => ({ id, probability: Math.exp((value - maximum) / temperature) }));
  const sum = probabilities.reduce((total, entry) => total + entry.probability, 0);
  probabilities.sort((left, right) => right.probability - left.probability);
  const topP = options.topP ?? 1;
  const kept: typeof probabilities = [];
  let mass = 0;
  for (const entry of probabilities) {
    kept.push(entry);
    mass += entry.probability / sum;
    if (mass >= topP) break;
  }
  let target = uniform() * kept.reduce((total, entry) => total + entry.probability, 0);
  for (const entry of kept) {
    target -= entry.probability;
    if (target <= 0) return entry.id;
  }
  return kept[kept.length - 1]!.id;
}

/** Autoregressive generation for one prompt (batch 1). */
export async function generate(model: CausalLanguageModel, promptIds: readonly number[], options: GenerateOptions): Promise<GenerateResult> {
  const uniform = seededUniform(options.seed ?? 0);
  const stop = new Set(options.stopTokenIds ?? []);
  const useCache = options.useCache ?? true;
  const tokens = [...promptIds];
  const generated: number[] = [];
  let cache: KeyValueCache | undefined;
  let input = [...promptIds];
  let prefillSeconds = 0;
  const decodeStart = { time: 0 };
  for (let step = 0; step < options.maxNewTokens; step += 1) {
    const started = performance.now();
    const result = await model.forward({
      inputIds: [useCache ? input : tokens],
      cache: useCache ? cache : undefined,
      keepCache: useCache,
      lastLogitsOnly: true,
    });
    if (step === 0) {
      prefillSeconds = (performance.now() - started) / 1000;
      decodeStart.time = performance.now();
    }
    const rows = result.logits.length / result.vocabulary;
    const last = result.logits.subarray((rows - 1) * result.vocabulary, rows * result.vocabulary);
    const next = pickToken(last, options, uniform);
    generated.push(next);
    tokens.push(next);
    if (useCache && !result.cache) throw new Error(`${model.backend} backend returned no cache for ${model.directory}; generate needs one to continue`);
    cache = result.cache;
    input = [next];
    if (stop.has(next)) {
      return { tokenIds: generated, stoppedBy: "stop-token", prefillSeconds, decodeSeconds: (performance.now() - decodeStart.time) / 1000 };
    }
  }
  return { tokenIds: generated, stoppedBy: "max-new-tokens", prefillSeconds, decodeSeconds: (performance.now() - decodeStart.time) / 1000 };
}

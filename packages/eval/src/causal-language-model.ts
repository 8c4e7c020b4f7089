/**
 * The interface every inference backend implements (ONNX Runtime in process, Python `transformers`
 * in a subprocess): generate, scoring and the report only talk to this.
 */

/** A backend's key/value cache after a forward pass; opaque outside the backend that made it. */
export interface KeyValueCache {
  /** Tokens the cache holds (past + new of the pass that produced it). */
  readonly length: number;
}

export interface ForwardInput {
  /** Token ids, one row per sequence, all rows the same length (pad on the left). */
  inputIds: number[][];
  /** 1 for real tokens, 0 for padding, over past + new tokens; default all ones. */
  attentionMask?: number[][];
  /** The cache of the previous pass of the same sequence(s). */
  cache?: KeyValueCache;
  /** False when no pass will continue from this one (scoring): a backend may then keep no cache. Default true. */
  keepCache?: boolean;
  /** Only the last position's logits are needed (generation): a backend may return `[batch, 1, vocabulary]`. */
  lastLogitsOnly?: boolean;
}

export interface ForwardResult {
  /** Float32 `[batch, rows, vocabulary]`, rows = the input's sequence length (or 1 with `lastLogitsOnly`). */
  logits: Float32Array;
  vocabulary: number;
  /** Present unless `keepCache` was false. */
  cache?: KeyValueCache;
}

/** A causal language model behind some backend: one forward pass at a time, left-padding aware. */
export interface CausalLanguageModel {
  /** "onnx" (onnxruntime-node) or "python" (transformers in a subprocess). */
  readonly backend: string;
  /** The directory it was loaded from. */
  readonly directory: string;
  forward(input: ForwardInput): Promise<ForwardResult>;
  release(): Promise<void>;
}

/** Position ids as HF computes them from an attention mask: running count of real tokens, 1 on padding; the last `sequence` columns. */
export function positionIdsFromMask(mask: readonly (readonly number[])[], sequence: number): number[][] {
  return mask.map((row) => {
    let seen = 0;
    const positions = row.map((value) => {
      const position = value ? seen : 1;
      if (value) seen += 1;
      return position;
    });
    return positions.slice(row.length - sequence);
  });
}

import type { ModelConfig } from "@graft/hf";

/** The sizes every decoder operator set needs. */
export interface DecoderShape {
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  layers: number;
  eps: number;
}

export function decoderShape(config: ModelConfig): DecoderShape {
  const heads = config.num_attention_heads;
  return {
    hidden: config.hidden_size,
    heads,
    kvHeads: config.num_key_value_heads ?? heads,
    headDim: config.head_dim ?? config.hidden_size / heads,
    layers: config.num_hidden_layers,
    eps: config.rms_norm_eps ?? 1e-6,
  };
}

/**
 * The parts of a Llama-family layer an operator set (standard ONNX, ONNX Runtime contrib) builds
 * differently; projections, MLP, embedding and head are shared.
 */
export interface DecoderOps {
  /**
   * RMSNorm with the weight initializer `weight`, of `input` or, with `skip`, of `input + skip`;
   * `sum` is that sum (the next residual) when `keepSum` is set.
   */
  norm(input: string, weight: string, skip?: string, keepSum?: boolean): { normed: string; sum?: string };
  /**
   * RoPE, causal + padding-masked attention over `past_key_values.{layer}.*` and the new keys,
   * writing `present.{layer}.key|value`. q: [batch, seq, heads*headDim], k/v: [batch, seq,
   * kvHeads*headDim]; returns the context [batch, seq, heads*headDim].
   */
  attention(query: string, key: string, value: string, layer: number): string;
}

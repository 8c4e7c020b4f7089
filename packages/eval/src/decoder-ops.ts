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

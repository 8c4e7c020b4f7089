/** llama.cpp's per-layer tensor parts and the LlamaForCausalLM module each stands for. */
export const LAYER_PARTS: Readonly<Record<string, string>> = {
  attn_norm: "input_layernorm",
  ffn_norm: "post_attention_layernorm",
  attn_q: "self_attn.q_proj",
  attn_k: "self_attn.k_proj",
  attn_v: "self_attn.v_proj",
  attn_output: "self_attn.o_proj",
  ffn_gate: "mlp.gate_proj",
  ffn_up: "mlp.up_proj",
  ffn_down: "mlp.down_proj",
};

/** llama.cpp's model-level tensors and their LlamaForCausalLM modules. */
export const TOP: Readonly<Record<string, string>> = { token_embd: "model.embed_tokens", output_norm: "model.norm", output: "lm_head" };

/** The Hugging Face (LlamaForCausalLM) name of a llama.cpp Llama tensor, or undefined for one it has none for. */
export function llamaTensorName(name: string): string | undefined {
  const match = /^(?:blk\.(\d+)\.)?([a-z_]+)\.(weight|bias)$/.exec(name);
  if (!match) return undefined;
  const [, layer, part, suffix] = match;
  if (layer === undefined) return TOP[part] === undefined ? undefined : `${TOP[part]}.${suffix}`;
  const hf = LAYER_PARTS[part];
  return hf === undefined ? undefined : `model.layers.${layer}.${hf}.${suffix}`;
}

/**
 * llama.cpp's rotary row order for q_proj / k_proj (weights and biases), as its converter writes
 * Llama-architecture models: within each head, the rows of the two rotary halves are interleaved,
 * row (head, half, i) going to (head, i, half). `heads` is the number of heads the rows hold.
 */
export function permuteRotaryRows(values: Float32Array, rows: number, columns: number, heads: number): Float32Array {
  const half = rows / heads / 2;
  const out = new Float32Array(values.length);
  for (let head = 0; head < heads; head += 1) {
    for (let i = 0; i < half; i += 1) {
      for (let part = 0; part < 2; part += 1) {
        const from = (head * 2 * half + part * half + i) * columns;
        const to = (head * 2 * half + i * 2 + part) * columns;
        out.set(values.subarray(from, from + columns), to);
      }
    }
  }
  return out;
}

/**
 * Undoes llama.cpp's rotary row order for q_proj / k_proj as transformers' GGUF loader does: the
 * converter interleaves each head's two rotary halves, so row (head, i, half) goes back to
 * (head, half, i). `heads` is the number of heads the tensor's rows hold.
 */
export function unpermuteRotaryRows(values: Float32Array, rows: number, columns: number, heads: number): Float32Array {
  const half = rows / heads / 2;
  const out = new Float32Array(values.length);
  for (let head = 0; head < heads; head += 1) {
    for (let i = 0; i < half; i += 1) {
      for (let part = 0; part < 2; part += 1) {
        const from = (head * 2 * half + i * 2 + part) * columns;
        const to = (head * 2 * half + part * half + i) * columns;
        out.set(values.subarray(from, from + columns), to);
      }
    }
  }
  return out;
}

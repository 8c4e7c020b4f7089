import { existsSync } from "node:fs";
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { atomicOutputDirectory, loadTokenizer, type ModelConfig } from "@graft/hf";
import { fromFloat32, ShardedSafetensorsWriter } from "@graft/safetensors";
import { seededNormal } from "@graft/utils";

export interface TinyModelOptions {
  out: string;
  /** Directory with tokenizer.json (+ tokenizer_config.json), copied into the model. */
  tokenizerDirectory: string;
  architecture?: "llama" | "qwen2" | "mistral";
  hiddenSize?: number;
  layers?: number;
  heads?: number;
  kvHeads?: number;
  intermediateSize?: number;
  tieWordEmbeddings?: boolean;
  dtype?: "F32" | "BF16";
  seed?: number;
  /** Embedding rows; default: the tokenizer's highest id + 1. */
  vocabSize?: number;
  maxPositionEmbeddings?: number;
  ropeTheta?: number;
  /** Written into tokenizer_config.json's chat_template. */
  chatTemplate?: string;
  /** Standard deviation of the normal init (transformers' initializer_range). */
  initializerRange?: number;
  overwrite?: boolean;
}

const ARCHITECTURES = { llama: "LlamaForCausalLM", qwen2: "Qwen2ForCausalLM", mistral: "MistralForCausalLM" } as const;

/**
 * A seeded, randomly initialised Llama/Qwen2/Mistral model directory with a real tokenizer,
 * loadable by transformers' AutoModelForCausalLM and AutoTokenizer: the fixture every
 * package's tests use. Returns the directory.
 */
export async function createTinyModel(options: TinyModelOptions): Promise<string> {
  const architecture = options.architecture ?? "llama";
  const hidden = options.hiddenSize ?? 64;
  const layers = options.layers ?? 2;
  const heads = options.heads ?? 4;
  const kvHeads = options.kvHeads ?? 2;
  const intermediate = options.intermediateSize ?? 128;
  const tied = options.tieWordEmbeddings ?? false;
  const dtype = options.dtype ?? "F32";
  const headDim = hidden / heads;
  const tokenizer = await loadTokenizer(options.tokenizerDirectory);
  const vocab = options.vocabSize ?? tokenizer.idLimit;
  const std = options.initializerRange ?? 0.02;
  const sample = seededNormal(options.seed ?? 0);
  const random = (shape: number[]) => {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let index = 0; index < values.length; index += 1) values[index] = sample() * std;
    return fromFloat32(values, dtype, shape);
  };
  const ones = (size: number) => fromFloat32(new Float32Array(size).fill(1), dtype, [size]);

  const eos = tokenizer.specialTokens.eos?.id ?? null;
  // As written to config.json: `rope` is what parseModelConfig derives from rope_theta.
  const config: Omit<ModelConfig, "rope"> = {
    architectures: [ARCHITECTURES[architecture]],
    model_type: architecture,
    vocab_size: vocab,
    hidden_size: hidden,
    intermediate_size: intermediate,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    hidden_act: "silu",
    max_position_embeddings: options.maxPositionEmbeddings ?? 2048,
    rms_norm_eps: 1e-6,
    rope_theta: options.ropeTheta ?? 10000,
    tie_word_embeddings: tied,
    attention_bias: architecture === "qwen2",
    initializer_range: std,
    bos_token_id: tokenizer.specialTokens.bos?.id ?? null,
    eos_token_id: eos,
    torch_dtype: dtype === "F32" ? "float32" : "bfloat16",
    use_cache: true,
    ...(architecture === "llama" ? { mlp_bias: false, pretraining_tp: 1 } : {}),
    ...(architecture === "mistral" || architecture === "qwen2" ? { sliding_window: null } : {}),
    ...(architecture === "qwen2" ? { use_sliding_window: false, max_window_layers: layers } : {}),
  };

  await atomicOutputDirectory(
    options.out,
    async (directory) => {
      const writer = new ShardedSafetensorsWriter({ directory });
      await writer.addTensor("model.embed_tokens.weight", random([vocab, hidden]));
      for (let layer = 0; layer < layers; layer += 1) {
        const prefix = `model.layers.${layer}`;
        await writer.addTensor(`${prefix}.input_layernorm.weight`, ones(hidden));
        await writer.addTensor(`${prefix}.self_attn.q_proj.weight`, random([heads * headDim, hidden]));
        await writer.addTensor(`${prefix}.self_attn.k_proj.weight`, random([kvHeads * headDim, hidden]));
        await writer.addTensor(`${prefix}.self_attn.v_proj.weight`, random([kvHeads * headDim, hidden]));
        if (architecture === "qwen2") {
          await writer.addTensor(`${prefix}.self_attn.q_proj.bias`, random([heads * headDim]));
          await writer.addTensor(`${prefix}.self_attn.k_proj.bias`, random([kvHeads * headDim]));
          await writer.addTensor(`${prefix}.self_attn.v_proj.bias`, random([kvHeads * headDim]));
        }
        await writer.addTensor(`${prefix}.self_attn.o_proj.weight`, random([hidden, heads * headDim]));
        await writer.addTensor(`${prefix}.post_attention_layernorm.weight`, ones(hidden));
        await writer.addTensor(`${prefix}.mlp.gate_proj.weight`, random([intermediate, hidden]));
        await writer.addTensor(`${prefix}.mlp.up_proj.weight`, random([intermediate, hidden]));
        await writer.addTensor(`${prefix}.mlp.down_proj.weight`, random([hidden, intermediate]));
      }
      await writer.addTensor("model.norm.weight", ones(hidden));
      if (!tied) await writer.addTensor("lm_head.weight", random([vocab, hidden]));
      await writer.finalize();

      await writeFile(join(directory, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
      const generation = { bos_token_id: config.bos_token_id, eos_token_id: eos, do_sample: false };
      await writeFile(join(directory, "generation_config.json"), `${JSON.stringify(generation, null, 2)}\n`);
      await copyFile(join(options.tokenizerDirectory, "tokenizer.json"), join(directory, "tokenizer.json"));
      const tokenizerConfig = { ...tokenizer.config };
      if (options.chatTemplate !== undefined) tokenizerConfig.chat_template = options.chatTemplate;
      await writeFile(join(directory, "tokenizer_config.json"), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
      const specialMap = join(options.tokenizerDirectory, "special_tokens_map.json");
      if (existsSync(specialMap)) await copyFile(specialMap, join(directory, "special_tokens_map.json"));
    },
    { overwrite: options.overwrite },
  );
  return options.out;
}

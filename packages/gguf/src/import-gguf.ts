import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { atomicOutputDirectory } from "@graft/hf";
import { float32ArrayToBf16, ShardedSafetensorsWriter } from "@graft/safetensors";
import { buildTokenizerFiles } from "./build-tokenizer-files.js";
import { GgufFormatError } from "./gguf-format-error.js";
import { GgufMetadata } from "./gguf-metadata.js";
import { GgufMetadataError } from "./gguf-metadata-error.js";
import { GgufReader, type GgufTensorInfo } from "./gguf-reader.js";
import { GgufUnsupportedError } from "./gguf-unsupported-error.js";
import { llamaTensorName, unpermuteRotaryRows } from "./llama-tensor-name.js";
import { assertDequantizable, readTensorFloat32 } from "./read-tensor-float32.js";

export const SUPPORTED_GGUF_ARCHITECTURES = ["llama", "qwen2"] as const;

export type ImportGgufEvent =
  | { type: "start"; file: string; architecture: string; tensors: number; dtype: "bf16" | "f32" }
  | { type: "tensor"; done: number; total: number; name: string }
  | { type: "done"; out: string; tensors: number; seconds: number };

export interface ImportGgufOptions {
  file: string;
  out: string;
  /** Stored dtype of the safetensors weights (default bf16). */
  dtype?: "bf16" | "f32";
  overwrite?: boolean;
  onEvent?: (event: ImportGgufEvent) => void;
}

/** Rows dequantized per piece of a streamed tensor (bounds memory for large embeddings). */
const PIECE_ELEMENTS = 1 << 20;

/**
 * Imports a GGUF Llama or Qwen2 model into a Hugging Face model directory: config.json as transformers
 * writes it for LlamaForCausalLM, the tensors dequantized to float32 (q/k rows back in
 * transformers' rotary order) and stored as `dtype` safetensors one at a time, tokenizer.json,
 * tokenizer_config.json (with the chat template) and generation_config.json. Everything is checked
 * before anything is written; the directory is built in a temporary sibling and renamed into place.
 */
export async function importGguf(options: ImportGgufOptions): Promise<{ path: string; tensors: number }> {
  const started = Date.now();
  const dtype = options.dtype ?? "bf16";
  const reader = await GgufReader.open(options.file);
  try {
    const path = options.file;
    const metadata = new GgufMetadata(path, reader.metadata);
    const architecture = metadata.string("general.architecture");
    if (architecture !== "llama" && architecture !== "qwen2")
      throw new GgufUnsupportedError({ path, feature: "architecture", value: architecture, supported: SUPPORTED_GGUF_ARCHITECTURES });
    const key = (name: string) => `${architecture}.${name}`;
    const scaling = metadata.string(key("rope.scaling.type"), undefined);
    if (scaling !== undefined && scaling !== "none") {
      throw new GgufMetadataError({
        path,
        key: key("rope.scaling.type"),
        message: `RoPE scaling "${scaling}" is not imported yet (transformers' GGUF loader drops it too, which would run the model wrong)`,
      });
    }
    const layers = metadata.integer(key("block_count"));
    const hidden = metadata.integer(key("embedding_length"));
    const heads = metadata.integer(key("attention.head_count"));
    const kvHeads = metadata.integer(key("attention.head_count_kv"), heads) as number;
    const contextLength = metadata.integer(key("context_length"), undefined);
    const tokenizer = buildTokenizerFiles(path, metadata, contextLength);
    const vocabSize = metadata.integer(key("vocab_size"), tokenizer.vocabSize) as number;
    const tied = reader.tensor("output.weight") === undefined;

    const plan: { tensor: GgufTensorInfo; name: string; heads?: number }[] = [];
    for (const tensor of reader.tensors) {
      if (tensor.name === "rope_freqs.weight") {
        throw new GgufFormatError({
          path,
          message: "tensor rope_freqs.weight (Llama-3 RoPE frequencies) is not imported yet: graft would run the model with the wrong rotary frequencies",
        });
      }
      const name = llamaTensorName(tensor.name);
      if (name === undefined)
        throw new GgufFormatError({ path, message: `tensor "${tensor.name}" has no LlamaForCausalLM counterpart; the file is not a plain Llama model` });
      assertDequantizable(path, tensor);
      // Only the llama architecture's converter interleaves q/k rows (qwen2 runs rotary in NeoX order).
      const rotaryHeads =
        architecture !== "llama" ? undefined : tensor.name.includes(".attn_q.") ? heads : tensor.name.includes(".attn_k.") ? kvHeads : undefined;
      plan.push({ tensor, name, heads: rotaryHeads });
    }
    for (const required of ["model.embed_tokens.weight", "model.norm.weight"]) {
      if (!plan.some((entry) => entry.name === required)) throw new GgufFormatError({ path, message: `no tensor for ${required}` });
    }
    const attentionBias = plan.some((entry) => /self_attn\.[qkv]_proj\.bias$/.test(entry.name));
    const qwen2 = architecture === "qwen2";
    const config = {
      architectures: [qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM"],
      attention_bias: attentionBias,
      attention_dropout: 0.0,
      bos_token_id: tokenizer.ids.bos ?? null,
      dtype: dtype === "bf16" ? "bfloat16" : "float32",
      eos_token_id: tokenizer.ids.eos ?? null,
      head_dim: metadata.integer(key("rope.dimension_count"), hidden / heads),
      hidden_act: "silu",
      hidden_size: hidden,
      initializer_range: 0.02,
      intermediate_size: metadata.integer(key("feed_forward_length")),
      max_position_embeddings: contextLength ?? 2048,
      ...(qwen2 ? { max_window_layers: layers } : { mlp_bias: false }),
      model_type: architecture,
      num_attention_heads: heads,
      num_hidden_layers: layers,
      num_key_value_heads: kvHeads,
      pad_token_id: tokenizer.ids.pad ?? null,
      ...(qwen2 ? {} : { pretraining_tp: 1 }),
      rms_norm_eps: metadata.number(key("attention.layer_norm_rms_epsilon"), 1e-6),
      rope_parameters: { rope_theta: metadata.number(key("rope.freq_base"), 10000), rope_type: "default" },
      ...(qwen2 ? { sliding_window: null, use_sliding_window: false } : {}),
      tie_word_embeddings: tied,
      ...(tokenizer.ids.unk === undefined ? {} : { unk_token_id: tokenizer.ids.unk }),
      use_cache: true,
      vocab_size: vocabSize,
    };
    const generationConfig = {
      _from_model_config: true,
      bos_token_id: tokenizer.ids.bos ?? null,
      eos_token_id: tokenizer.ids.eos ?? null,
      pad_token_id: tokenizer.ids.pad ?? null,
    };

    options.onEvent?.({ type: "start", file: path, architecture, tensors: plan.length, dtype });
    const out = await atomicOutputDirectory(
      options.out,
      async (temporary) => {
        const headerReserve = 256 + plan.reduce((sum, entry) => sum + Buffer.byteLength(JSON.stringify(entry.name)) + 160, 0);
        const writer = new ShardedSafetensorsWriter({ directory: temporary, headerReserve });
        try {
          for (const [index, entry] of plan.entries()) {
            const chunks = pieces(reader, entry.tensor, entry.heads, dtype);
            await writer.addTensorChunks(entry.name, { dtype: dtype === "bf16" ? "BF16" : "F32", shape: entry.tensor.shape }, chunks);
            options.onEvent?.({ type: "tensor", done: index + 1, total: plan.length, name: entry.name });
          }
        } catch (error) {
          await writer.abort();
          throw error;
        }
        await writer.finalize();
        const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
        await writeFile(join(temporary, "config.json"), json(config));
        await writeFile(join(temporary, "generation_config.json"), json(generationConfig));
        await writeFile(join(temporary, "tokenizer.json"), JSON.stringify(tokenizer.tokenizerJson));
        await writeFile(join(temporary, "tokenizer_config.json"), json(tokenizer.tokenizerConfig));
        return options.out;
      },
      { overwrite: options.overwrite, inputs: [options.file] },
    );
    options.onEvent?.({ type: "done", out, tensors: plan.length, seconds: (Date.now() - started) / 1000 });
    return { path: out, tensors: plan.length };
  } finally {
    await reader.close();
  }
}

/** A tensor's bytes in `dtype`, a block of rows at a time (q/k whole, to put their rows back in order). */
async function* pieces(reader: GgufReader, tensor: GgufTensorInfo, heads: number | undefined, dtype: "bf16" | "f32"): AsyncGenerator<Uint8Array> {
  const columns = tensor.dims[0] ?? 1;
  const rows = tensor.elements / columns;
  const encode = (values: Float32Array) =>
    dtype === "bf16" ? float32ArrayToBf16(values) : new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (heads !== undefined) {
    // Biases (one column) are interleaved like the weights' rows.
    const values = await readTensorFloat32(reader, tensor);
    const vectorRows = tensor.dims.length === 1 ? tensor.elements : rows;
    yield encode(unpermuteRotaryRows(values, vectorRows, tensor.dims.length === 1 ? 1 : columns, heads));
    return;
  }
  const step = Math.max(1, Math.floor(PIECE_ELEMENTS / columns));
  for (let start = 0; start < rows; start += step) {
    yield encode(await readTensorFloat32(reader, tensor, start, Math.min(step, rows - start)));
  }
}

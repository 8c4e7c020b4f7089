import { basename, join, resolve } from "node:path";
import { atomicOutputFile, embeddingInfo, headDimension, loadModelDirectory, loadTokenizer } from "@graft/hf";
import { type ShardedSafetensorsReader, toFloat32 } from "@graft/safetensors";
import { buildTokenizerMetadata } from "./build-tokenizer-metadata.js";
import { encodeTensorData, type WritableType } from "./encode-tensor-data.js";
import { type GgmlType, ggmlType } from "./ggml-type.js";
import { GgufExportTensorError } from "./gguf-export-tensor-error.js";
import { GgufExportUnsupportedError } from "./gguf-export-unsupported-error.js";
import { ggufTensorName } from "./gguf-tensor-name.js";
import { type GgufMetadataValue, GgufWriter, tensorByteLength } from "./gguf-writer.js";
import { permuteRotaryRows } from "./llama-tensor-name.js";

/** The output types of `graft export gguf`, as llama.cpp's converter names them (`--outtype`). */
export const GGUF_EXPORT_TYPES = ["f32", "f16", "bf16", "q8_0"] as const;
export type GgufExportType = (typeof GGUF_EXPORT_TYPES)[number];

/** config.json model types exported, and the llama.cpp architecture each becomes (Mistral runs as llama, as llama.cpp's converter writes it). */
const ARCHITECTURES = { llama: "llama", mistral: "llama", qwen2: "qwen2" } as const;
export const EXPORTABLE_MODEL_TYPES = Object.keys(ARCHITECTURES) as (keyof typeof ARCHITECTURES)[];

/** `general.file_type` (llama.cpp's LLAMA_FTYPE) of each output type. */
const FILE_TYPES: Record<GgufExportType, number> = { f32: 0, f16: 1, q8_0: 7, bf16: 32 };
/** The GGML type of a matrix in each output type; vectors (norms, biases) stay F32, as llama.cpp keeps them. */
const MATRIX_TYPES: Record<GgufExportType, WritableType> = { f32: "F32", f16: "F16", bf16: "BF16", q8_0: "Q8_0" };
const FLOATING_DTYPES = ["F32", "F16", "BF16", "F64"];
/** Elements converted per piece of a streamed tensor: bounds memory to a few times 16 MB whatever the model. */
const PIECE_ELEMENTS = 1 << 22;

export type ExportGgufEvent =
  | { type: "start"; model: string; architecture: string; tensors: number; outputType: GgufExportType; tokens: number; preTokenizer: string }
  | { type: "warning"; message: string }
  | { type: "tensor"; done: number; total: number; name: string; ggmlType: string }
  | { type: "done"; out: string; tensors: number; bytes: number; seconds: number };

export interface ExportGgufOptions {
  /** Hugging Face model directory (config.json, safetensors, tokenizer.json). */
  model: string;
  /** The .gguf file to write. */
  out: string;
  /** Default f16. */
  type?: GgufExportType;
  overwrite?: boolean;
  onEvent?: (event: ExportGgufEvent) => void;
}

interface PlannedTensor {
  source: string;
  name: string;
  shape: number[];
  type: GgmlType;
  /** Heads whose rows llama.cpp's rotary order interleaves (q/k of the llama architecture). */
  rotaryHeads?: number;
}

function ggml(name: WritableType): GgmlType {
  const ids: Record<WritableType, number> = { F32: 0, F16: 1, BF16: 30, Q8_0: 8 };
  return ggmlType(ids[name]) as GgmlType;
}

/** token_embd first, then the layers in order, then output_norm and output (the order llama.cpp's converter writes). */
function order(name: string): [number, string] {
  const layer = /^blk\.(\d+)\./.exec(name);
  if (layer) return [Number(layer[1]), name];
  return [name.startsWith("token_embd") ? -1 : Number.MAX_SAFE_INTEGER, name];
}

/**
 * Exports a Llama / Mistral / Qwen2 Hugging Face model directory to one GGUF v3 file that
 * llama.cpp loads as it is: the architecture's metadata, the byte-level BPE tokenizer with its
 * pre-tokenizer named (no hash lookup), every tensor under its llama.cpp name (q/k rows in
 * llama.cpp's rotary order for the llama architecture), matrices as `type`, vectors as F32,
 * output.weight only for an untied head, padded vocabularies kept with unused tokens. Everything
 * is checked before a byte is written; tensors are streamed a piece at a time into a temporary
 * sibling renamed into place at the end.
 */
export async function exportGguf(options: ExportGgufOptions): Promise<{ path: string; tensors: number; bytes: number; architecture: string }> {
  const started = Date.now();
  const outputType = options.type ?? "f16";
  if (!(GGUF_EXPORT_TYPES as readonly string[]).includes(outputType))
    throw new GgufExportUnsupportedError({ path: options.out, feature: "type", value: String(outputType), supported: GGUF_EXPORT_TYPES });
  const directory = await loadModelDirectory(options.model);
  try {
    const config = directory.config;
    const configPath = join(options.model, "config.json");
    const architecture = ARCHITECTURES[config.model_type as keyof typeof ARCHITECTURES];
    if (architecture === undefined)
      throw new GgufExportUnsupportedError({
        path: configPath,
        feature: "architecture",
        value: config.model_type,
        supported: EXPORTABLE_MODEL_TYPES,
        hint: "Gemma is not exported yet",
      });
    const rope = config.rope;
    if ("byLayerType" in rope || rope.type !== "default" || rope.partialRotaryFactor !== undefined) {
      const value =
        "byLayerType" in rope
          ? "one RoPE per layer type"
          : `RoPE type "${rope.type}"${rope.partialRotaryFactor === undefined ? "" : " with a partial rotary factor"}`;
      throw new GgufExportUnsupportedError({ path: configPath, feature: "rope", value, supported: ["default RoPE (rope_theta only)"] });
    }
    const heads = config.num_attention_heads;
    const kvHeads = config.num_key_value_heads;
    const headDim = headDimension(config);
    const embedding = await embeddingInfo(directory);
    const tokenizer = await loadTokenizer(options.model, { lazy: true });
    const tokenizerMetadata = buildTokenizerMetadata(tokenizer, config, embedding.rows, directory.chatTemplate);

    const weights = directory.weights;
    const plan: PlannedTensor[] = [];
    for (const source of weights.tensorNames()) {
      if (source.endsWith(".rotary_emb.inv_freq")) continue; // recomputed by every runtime from rope_theta
      if (source === "lm_head.weight" && embedding.tied) continue;
      const info = await weights.info(source);
      const failure = (message: string) => new GgufExportTensorError({ path: weights.path, tensorName: source, dtype: info.dtype, message });
      const name = ggufTensorName(source);
      if (name === undefined)
        throw failure(`has no slot in llama.cpp's ${architecture} architecture; graft exports plain ${EXPORTABLE_MODEL_TYPES.join(", ")} checkpoints`);
      if (!FLOATING_DTYPES.includes(info.dtype)) throw failure(`is not floating point; GGUF export converts ${FLOATING_DTYPES.join(", ")} tensors`);
      if (info.shape.length < 1 || info.shape.length > 2)
        throw failure(`has shape [${info.shape.join(", ")}]; llama.cpp's ${architecture} tensors are vectors or matrices`);
      if ((name === "token_embd.weight" || name === "output.weight") && (info.shape[0] !== embedding.rows || info.shape[1] !== config.hidden_size))
        throw failure(`has shape [${info.shape.join(", ")}], not [${embedding.rows}, ${config.hidden_size}] like the embeddings and config.json's hidden_size`);
      const columns = info.shape[1] ?? 1;
      const matrixType = MATRIX_TYPES[outputType];
      // llama.cpp's converter falls back to f16 for a row that is not whole Q8_0 blocks.
      const type = info.shape.length === 1 ? "F32" : matrixType === "Q8_0" && columns % 32 !== 0 ? "F16" : matrixType;
      const rotary = architecture === "llama" && /\.attn_[qk]\./.test(name);
      const rotaryHeads = rotary ? (name.includes(".attn_q.") ? heads : kvHeads) : undefined;
      if (rotaryHeads !== undefined && info.shape[0] !== rotaryHeads * headDim)
        throw failure(`has ${info.shape[0]} rows, not ${rotaryHeads} heads of ${headDim} as config.json says`);
      plan.push({ source, name, shape: info.shape, type: ggml(type), rotaryHeads });
    }
    for (const required of ["token_embd.weight", "output_norm.weight"]) {
      if (!plan.some((entry) => entry.name === required))
        throw new GgufExportTensorError({ path: weights.path, tensorName: required, dtype: "missing", message: "is missing; llama.cpp needs it" });
    }
    plan.sort((a, b) => {
      const [layerA, nameA] = order(a.name);
      const [layerB, nameB] = order(b.name);
      return layerA - layerB || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0);
    });

    const key = (name: string) => `${architecture}.${name}`;
    const u32 = (value: number): GgufMetadataValue => ({ type: "uint32", value });
    const f32 = (value: number): GgufMetadataValue => ({ type: "float32", value });
    const metadata: [string, GgufMetadataValue][] = [
      ["general.architecture", { type: "string", value: architecture }],
      ["general.type", { type: "string", value: "model" }],
      ["general.name", { type: "string", value: basename(resolve(options.model)) }],
      ["general.file_type", u32(FILE_TYPES[outputType])],
      ["general.quantization_version", u32(2)],
      [key("context_length"), u32(config.max_position_embeddings)],
      [key("embedding_length"), u32(config.hidden_size)],
      [key("block_count"), u32(config.num_hidden_layers)],
      [key("feed_forward_length"), u32(config.intermediate_size)],
      [key("attention.head_count"), u32(heads)],
      [key("attention.head_count_kv"), u32(kvHeads)],
      [key("rope.freq_base"), f32(rope.theta)],
      [key("rope.dimension_count"), u32(headDim)],
      [key("attention.layer_norm_rms_epsilon"), f32(config.rms_norm_eps)],
      [key("vocab_size"), u32(embedding.rows)],
      ...(headDim * heads === config.hidden_size
        ? []
        : ([
            [key("attention.key_length"), u32(headDim)],
            [key("attention.value_length"), u32(headDim)],
          ] as [string, GgufMetadataValue][])),
      ...tokenizerMetadata.entries,
    ];
    const tensorPlans = plan.map((entry) => ({ name: entry.name, dims: [...entry.shape].reverse(), type: entry.type }));
    const bytes = tensorPlans.reduce((sum, tensor) => sum + tensorByteLength(tensor), 0);

    options.onEvent?.({
      type: "start",
      model: options.model,
      architecture,
      tensors: plan.length,
      outputType,
      tokens: tokenizerMetadata.tokenCount,
      preTokenizer: tokenizerMetadata.preTokenizer,
    });
    for (const message of new Set(tokenizerMetadata.warnings)) options.onEvent?.({ type: "warning", message });
    const out = await atomicOutputFile(
      options.out,
      async (temporary) => {
        const writer = await GgufWriter.create(temporary, metadata, tensorPlans);
        try {
          for (const [index, entry] of plan.entries()) {
            await writer.writeTensor(entry.name, tensorPieces(weights, entry));
            options.onEvent?.({ type: "tensor", done: index + 1, total: plan.length, name: entry.name, ggmlType: entry.type.name });
          }
        } catch (error) {
          await writer.abort();
          throw error;
        }
        await writer.close();
        return resolve(options.out);
      },
      { overwrite: options.overwrite, inputs: [options.model] },
    );
    options.onEvent?.({ type: "done", out, tensors: plan.length, bytes, seconds: (Date.now() - started) / 1000 });
    return { path: out, tensors: plan.length, bytes, architecture };
  } finally {
    await directory.weights.close();
  }
}

/** A tensor's bytes in its GGML type, a block of rows at a time (whole heads for rotary q/k). */
async function* tensorPieces(weights: ShardedSafetensorsReader, entry: PlannedTensor): AsyncGenerator<Uint8Array> {
  const rows = entry.shape[0] as number;
  const columns = entry.shape[1] ?? 1;
  const type = entry.type.name as WritableType;
  const headRows = entry.rotaryHeads === undefined ? 1 : rows / entry.rotaryHeads;
  const step = Math.max(headRows, Math.floor(PIECE_ELEMENTS / columns / headRows) * headRows);
  for (let start = 0; start < rows; start += step) {
    const count = Math.min(step, rows - start);
    const piece = await weights.readRows(entry.source, start, count);
    let values = toFloat32(piece);
    if (entry.rotaryHeads !== undefined) values = permuteRotaryRows(values, count, columns, count / headRows);
    yield encodeTensorData(type, values);
  }
}

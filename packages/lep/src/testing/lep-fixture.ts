import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadTokenizer, type TokenizerJson, writeModelDirectory } from "@graft/hf";
import { fromFloat32, ShardedSafetensorsReader, type Tensor, toFloat32 } from "@graft/safetensors";
import { createTinyModel, fixtureText, fixtureTokenizerDirectory } from "@graft/testing";
import { randomMatrix } from "./random-matrix.js";

/** The instruct-only special token (the instruct model's chat token the donor lacks). */
export const INSTRUCT_ONLY_TOKEN = "<|graft_tool|>";
export const DONOR_CHAT_TEMPLATE = "{% for message in messages %}DONOR {{ message['content'] }}{% endfor %}";
/** The body tensor the instruct model changed (so "the instruct model's, bit for bit" is not the base's). */
export const INSTRUCT_CHANGED_TENSOR = "model.layers.0.mlp.up_proj.weight";
/** The body tensor the donor changed (a donor that trained more than the embeddings). */
export const DONOR_CHANGED_TENSOR = "model.layers.0.self_attn.q_proj.weight";

export interface LepFixture {
  base: string;
  instruct: string;
  donor: string;
  width: number;
  /** Ground truth: instruct rows = base rows · D per module (row-major d x d). */
  maps: Record<string, Float64Array>;
  /** The donor's new model tokens (ids from 128,256). */
  newTokens: string[];
}

export interface LepFixtureOptions {
  directory: string;
  tied: boolean;
  dtype: "F32" | "BF16";
  width?: number;
  newTokenCount?: number;
  seed?: number;
}

function rowsTimesMap(rows: Float32Array, map: Float64Array, width: number): Float32Array {
  const result = new Float32Array(rows.length);
  const accumulator = new Float64Array(width);
  for (let row = 0; row < rows.length / width; row += 1) {
    accumulator.fill(0);
    for (let k = 0; k < width; k += 1) {
      const value = rows[row * width + k];
      for (let j = 0; j < width; j += 1) accumulator[j] += value * map[k * width + j];
    }
    for (let j = 0; j < width; j += 1) result[row * width + j] = accumulator[j];
  }
  return result;
}

function asTensor(values: Float64Array | Float32Array, dtype: "F32" | "BF16", shape: number[]): Tensor {
  return fromFloat32(values instanceof Float32Array ? values : Float32Array.from(values), dtype, shape);
}

/**
 * New byte-level BPE tokens for the llama3 tokenizer: the most frequent adjacent pairs inside
 * Russian words, each with a real merge appended after the old ones (ids from 128,256).
 */
async function extendedTokenizerJson(tokenizerDirectory: string, count: number): Promise<{ json: TokenizerJson; newTokens: string[] }> {
  const tokenizer = await loadTokenizer(tokenizerDirectory);
  const json = structuredClone(tokenizer.json);
  const vocab = json.model.vocab as Record<string, number>;
  const pairs = new Map<string, number>();
  for (const entry of fixtureText("ru-fortunes").split("\n\n").slice(0, 400)) {
    const tokens = tokenizer.tokens(tokenizer.encode(entry, { addSpecialTokens: false }));
    for (let index = 0; index + 1 < tokens.length; index += 1) {
      const [left, right] = [tokens[index], tokens[index + 1]];
      if (right.startsWith("Ġ") || /[ĊĠ]/.test(right) || /Ċ/.test(left) || vocab[left + right] !== undefined) continue;
      const key = `${left} ${right}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
  }
  const chosen = [...pairs]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([key]) => key);
  const newTokens: string[] = [];
  let nextId = tokenizer.idLimit;
  for (const merge of chosen) {
    const token = merge.replace(" ", "");
    if (vocab[token] !== undefined) continue;
    vocab[token] = nextId;
    nextId += 1;
    (json.model.merges as string[]).push(merge);
    newTokens.push(token);
  }
  return { json, newTokens };
}

/**
 * base, instruct and donor tiny Llama models with the real llama3 tokenizer and a known
 * answer: instruct rows = base rows · D (per module), an instruct-only special token, a changed
 * instruct body tensor, and a donor with new Russian tokens, its own rows, chat template and a
 * changed body tensor.
 */
export async function buildLepFixture({ directory, tied, dtype, width = 32, newTokenCount = 48, seed = 1 }: LepFixtureOptions): Promise<LepFixture> {
  const tokenizerDirectory = fixtureTokenizerDirectory("llama3");
  const base = await createTinyModel({
    out: join(directory, "base"),
    tokenizerDirectory,
    hiddenSize: width,
    layers: 1,
    heads: 4,
    kvHeads: 2,
    intermediateSize: 48,
    tieWordEmbeddings: tied,
    dtype,
    seed,
    initializerRange: 0.5,
  });
  const reader = await ShardedSafetensorsReader.open(base);
  const modules = tied ? ["model.embed_tokens.weight"] : ["model.embed_tokens.weight", "lm_head.weight"];
  const baseRows = (await reader.info("model.embed_tokens.weight")).shape[0];

  const maps: Record<string, Float64Array> = {};
  const instructReplacements: Record<string, Tensor> = {};
  for (const [index, module] of modules.entries()) {
    const map = randomMatrix(width, width, seed + 10 + index, 1 / Math.sqrt(width));
    for (let i = 0; i < width; i += 1) map[i * width + i] += 1;
    maps[module] = map;
    const mapped = rowsTimesMap(toFloat32(await reader.readTensor(module)), map, width);
    const rows = new Float32Array((baseRows + 1) * width);
    rows.set(mapped);
    rows.set(Float32Array.from(randomMatrix(1, width, seed + 20 + index)), baseRows * width);
    instructReplacements[module] = asTensor(rows, dtype, [baseRows + 1, width]);
  }
  const changedShape = (await reader.info(INSTRUCT_CHANGED_TENSOR)).shape;
  instructReplacements[INSTRUCT_CHANGED_TENSOR] = asTensor(randomMatrix(changedShape[0], changedShape[1], seed + 30, 0.1), dtype, changedShape);
  const donorShape = (await reader.info(DONOR_CHANGED_TENSOR)).shape;
  await reader.close();

  const baseJson = JSON.parse(await readFile(join(base, "tokenizer.json"), "utf8")) as TokenizerJson;
  const baseConfig = JSON.parse(await readFile(join(base, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
  const instructJson = structuredClone(baseJson);
  instructJson.added_tokens?.push({
    id: baseRows,
    content: INSTRUCT_ONLY_TOKEN,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const instructConfig = structuredClone(baseConfig);
  (instructConfig.added_tokens_decoder as Record<string, unknown>)[String(baseRows)] = {
    content: INSTRUCT_ONLY_TOKEN,
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
    special: true,
  };
  const generation = JSON.parse(await readFile(join(base, "generation_config.json"), "utf8")) as Record<string, unknown>;
  const instruct = join(directory, "instruct");
  await writeModelDirectory({
    source: base,
    out: instruct,
    replacements: instructReplacements,
    files: {
      "tokenizer.json": `${JSON.stringify(instructJson)}\n`,
      "tokenizer_config.json": instructConfig,
      // An eos list naming the instruct-only token: its id must follow the token to its new place.
      "generation_config.json": { ...generation, eos_token_id: [128001, 128009, baseRows], temperature: 0.6 },
    },
    configUpdates: { vocab_size: baseRows + 1 },
  });

  const { json: donorJson, newTokens } = await extendedTokenizerJson(tokenizerDirectory, newTokenCount);
  const donorRows = baseRows + newTokens.length;
  const donorReplacements: Record<string, Tensor> = {};
  for (const [index, module] of modules.entries())
    donorReplacements[module] = asTensor(randomMatrix(donorRows, width, seed + 40 + index, 0.5), dtype, [donorRows, width]);
  donorReplacements[DONOR_CHANGED_TENSOR] = asTensor(randomMatrix(donorShape[0], donorShape[1], seed + 50, 0.1), dtype, donorShape);
  const donor = join(directory, "donor");
  await writeModelDirectory({
    source: base,
    out: donor,
    replacements: donorReplacements,
    files: { "tokenizer.json": `${JSON.stringify(donorJson)}\n`, "tokenizer_config.json": { ...baseConfig, chat_template: DONOR_CHAT_TEMPLATE } },
    configUpdates: { vocab_size: donorRows },
  });
  return { base, instruct, donor, width, maps, newTokens };
}

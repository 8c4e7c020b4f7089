import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { embeddingInfo, loadModelDirectory, loadTokenizer, writeModelDirectory, type TokenizerJson } from "@graft/hf";
import { fromFloat32, readFloat32, type Dtype } from "@graft/safetensors";
import type { InitMethod } from "./init-method.js";
import { initMean } from "./init-method-mean.js";
import { initMergeTree } from "./init-method-merge-tree.js";
import { oldSegmentation, type SegmentationKind } from "./old-segmentation.js";
import { VocabularyInputError } from "./vocabulary-input-error.js";

/** The initialisation methods by name (one file each). */
export const INIT_METHODS = { mean: initMean, "merge-tree": initMergeTree } as const satisfies Record<string, InitMethod>;
export type InitMethodName = keyof typeof INIT_METHODS;

export interface InitializeEmbeddingsOptions {
  /** The base model directory (its own tokenizer is the old vocabulary). */
  model: string;
  /** The extended tokenizer directory (`graft vocab extend` output). */
  tokenizer: string;
  method?: InitMethodName;
  out: string;
  /** Embedding rows are padded to a multiple of this (default 1). */
  padToMultipleOf?: number;
  overwrite?: boolean;
  onEvent?: (event: { type: "module-initialized"; module: string; rows: number; seconds: number } | { type: "tensor-written"; done: number; total: number; name: string }) => void;
}

export interface InitReport {
  method: InitMethodName;
  /** Rows of the new embedding matrices (config.json `vocab_size`). */
  rows: number;
  oldRows: number;
  tied: boolean;
  modules: string[];
  kinds: Record<SegmentationKind, number>;
  seconds: number;
}

/** Written into the output model directory. */
export const INIT_REPORT_FILE = "vocab_init.json";
/** Tokenizer files taken from the extended tokenizer directory. */
const TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja"];

function mergesOf(json: TokenizerJson): Map<string, [string, string]> {
  const map = new Map<string, [string, string]>();
  for (const merge of json.model.merges ?? []) {
    const [left, right] = typeof merge === "string" ? (merge.split(" ", 2) as [string, string]) : (merge as [string, string]);
    if (!map.has(left + right)) map.set(left + right, [left, right]);
  }
  return map;
}

/**
 * Initialises the embedding rows of an extended vocabulary (LEP step 2): new rows of
 * `embed_tokens` and `lm_head` (separately; a tied model only the input side, and it stays tied)
 * from the method; rows of tokens the base has are copied bit for bit; padding rows get the mean
 * of all base rows. Every other tensor is copied unchanged; `config.json` `vocab_size` is updated;
 * the extended tokenizer files are written in. The output appears only when complete.
 */
export async function initializeEmbeddings(options: InitializeEmbeddingsOptions): Promise<InitReport> {
  const started = performance.now();
  const methodName = options.method ?? "mean";
  const method = INIT_METHODS[methodName];
  if (!method) throw new VocabularyInputError({ problem: "invalid-option", message: `unknown init method "${methodName}"; use one of ${Object.keys(INIT_METHODS).join(", ")}` });
  const model = await loadModelDirectory(options.model);
  const info = await embeddingInfo(model);
  const base = await loadTokenizer(options.model);
  const extended = await loadTokenizer(options.tokenizer);
  const baseVocabulary = base.library.get_vocab(true) as Map<string, number>;
  for (const [token, id] of baseVocabulary) {
    if (extended.tokenToId(token) !== id) {
      throw new VocabularyInputError({
        path: options.tokenizer,
        problem: "not-an-extension",
        message: `the tokenizer does not extend the model's: base token ${JSON.stringify(token)} (id ${id}) is ${extended.tokenToId(token) === undefined ? "missing" : `id ${extended.tokenToId(token)}`}; pass the output of graft vocab extend run on this model's tokenizer`,
      });
    }
  }
  if (base.idLimit > info.rows) throw new VocabularyInputError({ path: options.model, problem: "not-an-extension", message: `the model has ${info.rows} embedding rows but its tokenizer uses ids up to ${base.idLimit - 1}` });
  const multiple = options.padToMultipleOf ?? 1;
  if (!Number.isInteger(multiple) || multiple < 1) throw new VocabularyInputError({ problem: "invalid-option", message: `padToMultipleOf must be a positive integer (got ${multiple})` });
  const rows = Math.max(info.rows, Math.ceil(extended.idLimit / multiple) * multiple);
  const segmentation = oldSegmentation({ baseTokenizer: base, extendedTokenizer: extended, rowCount: rows });
  const mergeOf = mergesOf(extended.json);
  const modules = [info.inputName, ...(info.outputName ? [info.outputName] : [])];
  const replacements: Record<string, ReturnType<typeof fromFloat32>> = {};
  for (const name of modules) {
    const moduleStarted = performance.now();
    const { values } = await readFloat32(model.weights, name);
    const dtype = (await model.weights.info(name)).dtype as Dtype;
    if (dtype !== "F32" && dtype !== "F16" && dtype !== "BF16") throw new VocabularyInputError({ path: options.model, problem: "invalid-option", message: `${name} is ${dtype}; embeddings must be F32, F16 or BF16` });
    const matrix = method({ baseMatrix: values, hiddenSize: info.hiddenSize, segmentation, mergeOf, idOf: (token) => extended.tokenToId(token), tokenOf: (id) => extended.idToToken(id) });
    replacements[name] = fromFloat32(matrix, dtype, [rows, info.hiddenSize]);
    options.onEvent?.({ type: "module-initialized", module: name, rows, seconds: (performance.now() - moduleStarted) / 1000 });
  }
  const kinds: Record<SegmentationKind, number> = { copied: 0, segmented: 0, unsegmentable: 0, padding: 0 };
  for (const kind of segmentation.kinds) kinds[kind] += 1;
  const report: InitReport = { method: methodName, rows, oldRows: info.rows, tied: info.tied, modules, kinds, seconds: 0 };
  const files: Record<string, string | Uint8Array> = {};
  for (const file of TOKENIZER_FILES) if (existsSync(join(options.tokenizer, file))) files[file] = await readFile(join(options.tokenizer, file));
  await writeModelDirectory({
    source: options.model,
    out: options.out,
    replacements,
    drop: info.tied && model.weights.has("lm_head.weight") ? ["lm_head.weight"] : [],
    files: { ...files, [INIT_REPORT_FILE]: `${JSON.stringify({ ...report, seconds: (performance.now() - started) / 1000 }, null, 2)}\n` },
    configUpdates: { vocab_size: rows },
    overwrite: options.overwrite,
    onProgress: (done, total, name) => options.onEvent?.({ type: "tensor-written", done, total, name }),
  });
  await model.weights.close();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

import { existsSync } from "node:fs";
import { copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { atomicOutputDirectory, embeddingInfo, loadModelDirectory, loadTokenizer, refuseOutputOverInputs, type TokenizerJson } from "@graft/hf";
import { ShardedSafetensorsWriter } from "@graft/safetensors";
import { EXTENSION_REPORT_FILE } from "./extend-tokenizer.js";
import { buildEmbeddingRows, EMBEDDING_DTYPES, type EmbeddingDtype } from "./init-embedding-rows.js";
import type { InitMethod } from "./init-method.js";
import { initMean } from "./init-method-mean.js";
import { initMergeTree } from "./init-method-merge-tree.js";
import { oldSegmentation, type SegmentationKind } from "./old-segmentation.js";
import { VocabularyInputError } from "./vocabulary-input-error.js";

/** The initialisation methods by name (one file each). */
export const INIT_METHODS = { mean: initMean, "merge-tree": initMergeTree } as const satisfies Record<string, InitMethod>;
export type InitMethodName = keyof typeof INIT_METHODS;

export type InitEvent =
  | { type: "module-initialized"; module: string; rows: number; seconds: number }
  | { type: "tensor-written"; done: number; total: number; name: string };

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
  /** Weight shards are cut before this many bytes (default: Hugging Face's 5 GB). */
  maxShardSize?: number;
  onEvent?: (event: InitEvent) => void;
}

export interface InitReport {
  method: InitMethodName;
  /** Rows of the new embedding matrices (config.json `vocab_size`). */
  rows: number;
  oldRows: number;
  tied: boolean;
  modules: string[];
  /** Rows by how they relate to the base vocabulary (see `SegmentationKind`). */
  kinds: Record<SegmentationKind, number>;
  /** Padding rows: `kept` existed in the base tensor (bytes kept), `filled` are new (mean of all base rows). */
  padding: { kept: number; filled: number };
  /** Files of the base model's old vocabulary left out because the extended tokenizer does not provide them. */
  droppedFiles: string[];
  seconds: number;
}

/** Written into the output model directory. */
export const INIT_REPORT_FILE = "vocab_init.json";
/** Files taken from the extended tokenizer directory when it has them (they replace the model's). */
const TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", EXTENSION_REPORT_FILE];
/** Files that spell out the OLD vocabulary: copying them next to the new tokenizer.json would let tools load the old one. */
const OLD_VOCABULARY_FILES = ["tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json", "vocab.txt"];
const WEIGHT_FILE = /(^model(-\d{5}-of-\d{5})?\.safetensors$)|(^model\.safetensors\.index\.json$)|(^pytorch_model.*\.bin(\.index\.json)?$)/;

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
 * from the method; rows of tokens the base has are copied bit for bit; padding rows keep the
 * model's bytes where it had them and get the mean of all base rows where it did not. One
 * embedding tensor is in memory at a time, built straight in the stored dtype; every other
 * tensor is copied unchanged; `config.json` `vocab_size` is updated; the extended tokenizer
 * files replace the model's. The output appears only when complete (temporary sibling + rename).
 */
export async function initializeEmbeddings(options: InitializeEmbeddingsOptions): Promise<InitReport> {
  refuseOutputOverInputs(options.out, [options.model, options.tokenizer]);
  const started = performance.now();
  const methodName = options.method ?? "mean";
  if (!Object.hasOwn(INIT_METHODS, methodName)) {
    throw new VocabularyInputError({
      problem: "invalid-option",
      message: `unknown init method "${methodName}"; use one of ${Object.keys(INIT_METHODS).join(", ")}`,
    });
  }
  const method: InitMethod = INIT_METHODS[methodName];
  const multiple = options.padToMultipleOf ?? 1;
  if (!Number.isInteger(multiple) || multiple < 1)
    throw new VocabularyInputError({ problem: "invalid-option", message: `padToMultipleOf must be a positive integer (got ${multiple})` });
  const model = await loadModelDirectory(options.model);
  try {
    const info = await embeddingInfo(model);
    const base = await loadTokenizer(options.model);
    const extended = await loadTokenizer(options.tokenizer);
    const baseVocabulary = base.library.get_vocab(true) as Map<string, number>;
    for (const [token, id] of baseVocabulary) {
      const extendedId = extended.tokenToId(token);
      if (extendedId !== id) {
        throw new VocabularyInputError({
          path: options.tokenizer,
          problem: "not-an-extension",
          message: `the tokenizer does not extend the model's: base token ${JSON.stringify(token)} (id ${id}) is ${extendedId === undefined ? "missing" : `id ${extendedId}`}; pass the output of graft vocab extend run on this model's tokenizer (${options.model})`,
        });
      }
    }
    if (base.idLimit > info.rows) {
      throw new VocabularyInputError({
        path: options.model,
        problem: "not-an-extension",
        message: `the model has ${info.rows} embedding rows but its own tokenizer uses ids up to ${base.idLimit - 1}; the checkpoint and its tokenizer do not belong together`,
      });
    }
    const modules = [info.inputName, ...(info.outputName ? [info.outputName] : [])];
    const dtypes = new Map<string, EmbeddingDtype>();
    for (const name of modules) {
      const { dtype, shape } = await model.weights.info(name);
      if (!EMBEDDING_DTYPES.includes(dtype as EmbeddingDtype)) {
        throw new VocabularyInputError({
          path: options.model,
          problem: "invalid-option",
          message: `${name} is ${dtype}; embeddings must be F32, F16 or BF16 (convert the checkpoint first)`,
        });
      }
      if (shape.length !== 2 || shape[0] !== info.rows || shape[1] !== info.hiddenSize) {
        throw new VocabularyInputError({
          path: options.model,
          problem: "invalid-option",
          message: `${name} has shape ${JSON.stringify(shape)}, expected [${info.rows}, ${info.hiddenSize}] like ${info.inputName}`,
        });
      }
      dtypes.set(name, dtype as EmbeddingDtype);
    }
    const rows = Math.max(info.rows, Math.ceil(extended.idLimit / multiple) * multiple);
    const segmentation = oldSegmentation({ baseTokenizer: base, extendedTokenizer: extended, rowCount: rows });
    const context = { mergeOf: mergesOf(extended.json), idOf: (token: string) => extended.tokenToId(token), tokenOf: (id: number) => extended.idToToken(id) };

    const kinds: Record<SegmentationKind, number> = { copied: 0, segmented: 0, unsegmentable: 0, padding: 0 };
    const padding = { kept: 0, filled: 0 };
    segmentation.kinds.forEach((kind, id) => {
      kinds[kind] += 1;
      if (kind === "padding") padding[id < info.rows ? "kept" : "filled"] += 1;
    });
    const droppedFiles = OLD_VOCABULARY_FILES.filter((file) => existsSync(join(options.model, file)) && !existsSync(join(options.tokenizer, file)));
    const report: InitReport = { method: methodName, rows, oldRows: info.rows, tied: info.tied, modules, kinds, padding, droppedFiles, seconds: 0 };

    await atomicOutputDirectory(
      options.out,
      async (temporary) => {
        const writer = new ShardedSafetensorsWriter({ directory: temporary, maxShardSize: options.maxShardSize, metadata: model.weights.metadata });
        // A tied model keeps no stored head: transformers ties it to the (resized) input side.
        const names = model.weights.tensorNames().filter((name) => !(info.tied && name === "lm_head.weight"));
        try {
          for (const [index, name] of names.entries()) {
            const dtype = dtypes.get(name);
            if (dtype) {
              const moduleStarted = performance.now();
              const tensor = await buildEmbeddingRows({
                weights: model.weights,
                module: name,
                dtype,
                oldRows: info.rows,
                rows,
                hiddenSize: info.hiddenSize,
                segmentation,
                methodName,
                method,
                context,
              });
              options.onEvent?.({ type: "module-initialized", module: name, rows, seconds: (performance.now() - moduleStarted) / 1000 });
              await writer.addTensor(name, tensor);
            } else {
              await writer.addTensor(name, await model.weights.readTensor(name));
            }
            options.onEvent?.({ type: "tensor-written", done: index + 1, total: names.length, name });
          }
        } catch (error) {
          await writer.abort();
          throw error;
        }
        await writer.finalize();
        await copyDirectoryFiles({ model: options.model, tokenizer: options.tokenizer, temporary, dropped: droppedFiles });
        const config = JSON.parse(await readFile(join(options.model, "config.json"), "utf8")) as Record<string, unknown>;
        await writeFile(join(temporary, "config.json"), `${JSON.stringify({ ...config, vocab_size: rows }, null, 2)}\n`);
        report.seconds = (performance.now() - started) / 1000;
        await writeFile(join(temporary, INIT_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
      },
      { overwrite: options.overwrite, inputs: [options.model, options.tokenizer] },
    );
    report.seconds = (performance.now() - started) / 1000;
    return report;
  } finally {
    await model.weights.close();
  }
}

/** The model's non-weight files, minus the old vocabulary's, then the extended tokenizer's files over them. */
async function copyDirectoryFiles({
  model,
  tokenizer,
  temporary,
  dropped,
}: {
  model: string;
  tokenizer: string;
  temporary: string;
  dropped: string[];
}): Promise<void> {
  const fromTokenizer = [...TOKENIZER_FILES, ...OLD_VOCABULARY_FILES].filter((file) => existsSync(join(tokenizer, file)));
  const skip = new Set([...fromTokenizer, ...dropped, "config.json", INIT_REPORT_FILE]);
  for (const entry of await readdir(model, { withFileTypes: true })) {
    if (entry.isFile() && !WEIGHT_FILE.test(entry.name) && !skip.has(entry.name)) await copyFile(join(model, entry.name), join(temporary, entry.name));
  }
  for (const file of fromTokenizer) await copyFile(join(tokenizer, file), join(temporary, file));
}

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadTokenizer, ModelDirectoryError, writeModelDirectory } from "@graft/hf";
import { fromFloat32, readFloat32, ShardedSafetensorsReader, type Tensor } from "@graft/safetensors";
import { createTinyModel, type FixtureTokenizerName, fixtureTokenizerDirectory, repositoryRoot, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { extendTokenizer } from "./extend-tokenizer.js";
import { INIT_REPORT_FILE, type InitMethodName, initializeEmbeddings } from "./initialize-embeddings.js";
import { oldSegmentation } from "./old-segmentation.js";
import { VocabularyInputError } from "./vocabulary-input-error.js";

const HIDDEN = 16;
const EMBEDDINGS = "model.embed_tokens.weight";
const HEAD = "lm_head.weight";

interface Case {
  label: string;
  tokenizer: FixtureTokenizerName;
  architecture: "llama" | "qwen2";
  tied: boolean;
  dtype: "F32" | "BF16" | "F16";
  method: InitMethodName;
  pad: number;
  newTokens: number;
  /** Embedding rows of the base model (more than its tokenizer uses: old padding rows, as Qwen2.5 ships). */
  modelRows?: number;
}

const cases: Case[] = [
  {
    label: "llama2 llama untied F32, mean, padded to 64",
    tokenizer: "llama2",
    architecture: "llama",
    tied: false,
    dtype: "F32",
    method: "mean",
    pad: 64,
    newTokens: 400,
  },
  // New ids 151665.. fall inside the model's old padding rows (pitfall 4); the rest of them are kept.
  {
    label: "qwen2.5 qwen2 tied BF16 with old padding rows, merge-tree",
    tokenizer: "qwen2_5",
    architecture: "qwen2",
    tied: true,
    dtype: "BF16",
    method: "merge-tree",
    pad: 1,
    newTokens: 200,
    modelRows: 151_936,
  },
  {
    label: "llama2 llama untied F16, merge-tree, padded to 128",
    tokenizer: "llama2",
    architecture: "llama",
    tied: false,
    dtype: "F16",
    method: "merge-tree",
    pad: 128,
    newTokens: 300,
  },
];

const work = temporaryDirectory();
afterAll(() => work.remove());
const corpus = join(work.path, "ru.txt");
writeFileSync(
  corpus,
  gunzipSync(readFileSync(join(repositoryRoot(), "data", "ru-train.txt.gz")))
    .toString("utf8")
    .split("\n")
    .slice(0, 4000)
    .join("\n"),
);

/** A tiny model in `dtype` (createTinyModel writes F32/BF16; F16 is converted here with @graft/safetensors). */
async function tinyModel(directory: string, { tokenizer, architecture, tied, dtype, modelRows }: Case): Promise<string> {
  const source = join(directory, dtype === "F16" ? "model-f32" : "model");
  const common = {
    tokenizerDirectory: fixtureTokenizerDirectory(tokenizer),
    architecture,
    hiddenSize: HIDDEN,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediateSize: 32,
    tieWordEmbeddings: tied,
    seed: 3,
    vocabSize: modelRows,
  };
  await createTinyModel({ out: source, ...common, dtype: dtype === "F16" ? "F32" : dtype });
  if (dtype !== "F16") return source;
  const reader = await ShardedSafetensorsReader.open(source);
  const replacements: Record<string, () => Promise<Tensor>> = {};
  for (const name of reader.tensorNames())
    replacements[name] = async () => fromFloat32((await readFloat32(reader, name)).values, "F16", (await reader.info(name)).shape);
  const out = join(directory, "model");
  await writeModelDirectory({ source, out, replacements, configUpdates: { torch_dtype: "float16" } });
  await reader.close();
  return out;
}

/** Round a float64 to what the writer stores: float32 first, then the dtype (round to nearest even). */
function storedValue(value: number, dtype: Case["dtype"]): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  if (dtype === "F32") return view.getFloat32(0);
  const narrowed = fromFloat32(new Float32Array([view.getFloat32(0)]), dtype, [1]);
  return readFloat32Value(narrowed);
}

function readFloat32Value(tensor: Tensor): number {
  const bits = tensor.data[0] | (tensor.data[1] << 8);
  if (tensor.dtype === "BF16") return new Float32Array(new Uint32Array([bits << 16]).buffer)[0];
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  return exponent === 0 ? sign * mantissa * 2 ** -24 : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

describe("initializeEmbeddings", () => {
  it.each(cases)(
    "$label: new rows follow the method exactly, old rows and every other tensor are bit-identical, transformers gives the old logits",
    async (testCase) => {
      const { label, tied, dtype, method, pad, newTokens } = testCase;
      const directory = join(work.path, label.replace(/\W+/g, "-"));
      const model = await tinyModel(directory, testCase);
      const extendedDirectory = join(directory, "tokenizer");
      await extendTokenizer({ base: model, corpus: [corpus], add: newTokens, out: extendedDirectory });
      // Real old-vocabulary files (GPT-2 style vocab.json / merges.txt, as Qwen2.5 ships them): they must not survive next to the new tokenizer.
      const baseJson = JSON.parse(readFileSync(join(model, "tokenizer.json"), "utf8"));
      writeFileSync(join(model, "vocab.json"), JSON.stringify(baseJson.model.vocab));
      writeFileSync(
        join(model, "merges.txt"),
        `#version: 0.2\n${(baseJson.model.merges as (string | string[])[]).map((merge) => (typeof merge === "string" ? merge : merge.join(" "))).join("\n")}\n`,
      );
      const out = join(directory, "initialized");
      const events: string[] = [];
      const report = await initializeEmbeddings({
        model,
        tokenizer: extendedDirectory,
        method,
        out,
        padToMultipleOf: pad,
        onEvent: (event) => events.push(event.type),
      });

      const base = await loadTokenizer(model);
      const extended = await loadTokenizer(extendedDirectory);
      const before = await ShardedSafetensorsReader.open(model);
      const after = await ShardedSafetensorsReader.open(out);
      try {
        const oldRows = (await before.info(EMBEDDINGS)).shape[0];
        expect(report.rows % pad).toBe(0);
        expect(report.rows).toBe(Math.max(oldRows, Math.ceil(extended.idLimit / pad) * pad));
        expect(report.tied).toBe(tied);
        expect(report.kinds.segmented).toBeGreaterThanOrEqual(newTokens - 5);
        expect(events.filter((type) => type === "module-initialized")).toHaveLength(tied ? 1 : 2);
        expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8"))).toMatchObject({ vocab_size: report.rows, tie_word_embeddings: tied });
        expect(JSON.parse(readFileSync(join(out, INIT_REPORT_FILE), "utf8")).rows).toBe(report.rows);
        expect(
          readFileSync(join(out, "tokenizer.json")).equals(readFileSync(join(extendedDirectory, "tokenizer.json"))),
          "tokenizer.json is the extended one",
        ).toBe(true);
        expect(report.droppedFiles.sort()).toEqual(["merges.txt", "vocab.json"]);
        expect(existsSync(join(out, "vocab.json")) || existsSync(join(out, "merges.txt"))).toBe(false);

        // Every tensor other than the embeddings is bit-identical; a tied model stores no head.
        for (const name of before.tensorNames()) {
          if (name === EMBEDDINGS || name === HEAD) continue;
          expect(Buffer.from((await after.readTensor(name)).data).equals(Buffer.from((await before.readTensor(name)).data)), name).toBe(true);
        }
        expect(after.has(HEAD)).toBe(!tied);

        const segmentation = oldSegmentation({ baseTokenizer: base, extendedTokenizer: extended, rowCount: report.rows });
        const merges = new Map<string, [string, string]>();
        for (const merge of extended.json.model.merges as (string | [string, string])[]) {
          const [left, right] = typeof merge === "string" ? (merge.split(" ") as [string, string]) : merge;
          if (!merges.has(left + right)) merges.set(left + right, [left, right]);
        }
        for (const name of tied ? [EMBEDDINGS] : [EMBEDDINGS, HEAD]) {
          expect((await after.info(name)).dtype).toBe(dtype);
          const old = (await readFloat32(before, name)).values;
          const { shape, values } = await readFloat32(after, name);
          expect(shape).toEqual([report.rows, HIDDEN]);
          const oldBytes = (await before.readTensor(name)).data;
          const newBytes = (await after.readTensor(name)).data;
          const rowBytes = oldBytes.byteLength / oldRows;
          // The definitions, recomputed here in float64 from the base rows (recursively for merge-tree).
          const rowOf = (id: number): number[] => Array.from(old.subarray(id * HIDDEN, (id + 1) * HIDDEN));
          const allRowsSum = new Array(HIDDEN).fill(0);
          for (let row = 0; row < base.idLimit; row += 1) for (let column = 0; column < HIDDEN; column += 1) allRowsSum[column] += old[row * HIDDEN + column];
          const allRowsMean = allRowsSum.map((sum) => sum / base.idLimit);
          const meanOf = (ids: number[]): number[] =>
            ids.length === 0 ? allRowsMean : allRowsMean.map((_, column) => ids.reduce((sum, id) => sum + old[id * HIDDEN + column], 0) / ids.length);
          const treeOf = (id: number): number[] | undefined => {
            if (segmentation.kinds[id] === "copied") return rowOf(id);
            if (segmentation.kinds[id] !== "segmented") return undefined;
            const merge = merges.get(extended.idToToken(id) as string);
            const left = merge && treeOf(extended.tokenToId(merge[0]) as number);
            const right = merge && left && treeOf(extended.tokenToId(merge[1]) as number);
            return left && right ? left.map((value, column) => (value + right[column]) / 2) : meanOf(segmentation.segment(id));
          };
          const counts = { copied: 0, kept: 0, segmented: 0, treeDiffersFromMean: 0, filled: 0 };
          const changedOldRows: number[] = [];
          const oldBuffer = Buffer.from(oldBytes.buffer, oldBytes.byteOffset, oldBytes.byteLength);
          const newBuffer = Buffer.from(newBytes.buffer, newBytes.byteOffset, newBytes.byteLength);
          for (let id = 0; id < report.rows; id += 1) {
            const kind = segmentation.kinds[id];
            if (kind === "copied" || (kind === "padding" && id < oldRows)) {
              // Tokens the base has, and old padding rows no new token takes: the stored bytes.
              if (newBuffer.compare(oldBuffer, id * rowBytes, (id + 1) * rowBytes, id * rowBytes, (id + 1) * rowBytes) !== 0) changedOldRows.push(id);
              counts[kind === "copied" ? "copied" : "kept"] += 1;
              continue;
            }
            const actual = Array.from(values.subarray(id * HIDDEN, (id + 1) * HIDDEN));
            const mean = meanOf(segmentation.segment(id));
            const expected = (method === "merge-tree" ? (treeOf(id) ?? mean) : mean).map((value) => storedValue(value, dtype));
            expect(actual, `${name} row ${id} (${kind}) ${JSON.stringify(extended.idToToken(id))}`).toEqual(expected);
            if (kind === "padding") counts.filled += 1;
            if (kind === "segmented") counts.segmented += 1;
            if (kind === "segmented" && segmentation.segment(id).length > 2 && expected.some((value, column) => value !== storedValue(mean[column], dtype)))
              counts.treeDiffersFromMean += 1;
          }
          expect(changedOldRows, `${name}: old rows whose bytes changed`).toEqual([]);
          expect(counts.copied).toBe(base.idLimit);
          expect(counts.segmented).toBe(report.kinds.segmented);
          expect(counts.kept).toBe(report.padding.kept);
          expect(counts.filled).toBe(report.padding.filled);
          // merge-tree must really be a different method than mean on tokens of 3+ old parts.
          if (method === "merge-tree") expect(counts.treeDiffersFromMean).toBeGreaterThan(10);
        }
        if (testCase.modelRows) expect(report.padding.kept).toBeGreaterThan(0);
        if (pad > 1) expect(report.padding.filled).toBeGreaterThan(0);
      } finally {
        await Promise.all([before.close(), after.close()]);
      }

      // transformers loads model + tokenizer; on old tokens, logits over the old vocabulary are unchanged.
      const reference = runPythonJson<{ difference: number; vocab: number; rows: number; tied: boolean }>(
        `
import json, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
old = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32)
new = AutoModelForCausalLM.from_pretrained(sys.argv[2], dtype=torch.float32)
tokenizer = AutoTokenizer.from_pretrained(sys.argv[2])
vocabulary = int(sys.argv[3])
ids = AutoTokenizer.from_pretrained(sys.argv[1])("The quick brown fox jumps over the lazy dog. Съешь же ещё этих мягких французских булок.", return_tensors="pt").input_ids
with torch.no_grad():
    a = old(ids).logits[:, :, :vocabulary]
    b = new(ids).logits[:, :, :vocabulary]
tied = new.get_output_embeddings().weight.data_ptr() == new.get_input_embeddings().weight.data_ptr()
print(json.dumps({"difference": float((a - b).abs().max()), "vocab": len(tokenizer), "rows": new.get_input_embeddings().weight.shape[0], "tied": tied}))
`,
        { args: [model, out, String(base.idLimit)] },
      );
      // Old rows are bit-identical; a larger matrix may only change the matmul's float summation order.
      expect(reference.difference).toBeLessThan(1e-6);
      expect(reference.vocab).toBe(extended.vocabSize);
      expect(reference.rows).toBe(report.rows);
      expect(reference.tied).toBe(tied);
    },
  );

  describe("refuses bad input with a typed error that says what, where and how to fix", () => {
    const model = join(work.path, "refuse-model");
    const ready = createTinyModel({
      out: model,
      tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
      hiddenSize: 8,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      intermediateSize: 16,
      seed: 1,
    });
    const refusals: {
      label: string;
      options: () => Promise<Parameters<typeof initializeEmbeddings>[0]>;
      error: new (...args: never[]) => Error;
      message: RegExp;
    }[] = [
      {
        label: "a tokenizer that does not extend the model's",
        options: async () => ({ model, tokenizer: fixtureTokenizerDirectory("qwen2_5"), out: join(work.path, "refused-1") }),
        error: VocabularyInputError,
        message: /does not extend the model's: base token .* is (missing|id \d+); pass the output of graft vocab extend/,
      },
      {
        label: "an unknown method",
        options: async () => ({ model, tokenizer: model, method: "magic" as InitMethodName, out: join(work.path, "refused-2") }),
        error: VocabularyInputError,
        message: /unknown init method "magic"; use one of mean, merge-tree/,
      },
      {
        label: "a checkpoint without model.embed_tokens.weight",
        options: async () => {
          const renamed = join(work.path, "renamed-model");
          const reader = await ShardedSafetensorsReader.open(model);
          const embeddings = await reader.readTensor(EMBEDDINGS);
          await reader.close();
          await writeModelDirectory({ source: model, out: renamed, drop: [EMBEDDINGS], replacements: { "transformer.wte.weight": embeddings } });
          return { model: renamed, tokenizer: model, out: join(work.path, "refused-3") };
        },
        error: ModelDirectoryError,
        message: /renamed-model: no tensor model\.embed_tokens\.weight; graft supports .* transformers' tensor names/,
      },
    ];
    it.each(refusals)("$label", async ({ options, error, message }) => {
      await ready;
      const settings = await options();
      const attempt = initializeEmbeddings(settings);
      await expect(attempt).rejects.toBeInstanceOf(error);
      await expect(attempt).rejects.toThrow(message);
      expect(existsSync(settings.out)).toBe(false);
    });
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createTinyModel, loadTokenizer } from "@graft/hf";
import { ShardedSafetensorsReader, readFloat32 } from "@graft/safetensors";
import { fixtureTokenizerDirectory, repositoryRoot, runPythonJson, temporaryDirectory, type FixtureTokenizerName } from "@graft/testing";
import { describe, expect, it } from "vitest";
import { extendTokenizer } from "./extend-tokenizer.js";
import { initializeEmbeddings, type InitMethodName } from "./initialize-embeddings.js";
import { oldSegmentation } from "./old-segmentation.js";
import { VocabularyInputError } from "./vocabulary-input-error.js";

const HIDDEN = 16;
const NEW_TOKENS = 400;

const cases: { label: string; tokenizer: FixtureTokenizerName; architecture: "llama" | "qwen2"; tied: boolean; dtype: "F32" | "BF16"; method: InitMethodName; pad: number }[] = [
  { label: "llama untied F32, mean", tokenizer: "llama2", architecture: "llama", tied: false, dtype: "F32", method: "mean", pad: 64 },
  { label: "qwen2 tied BF16, merge-tree", tokenizer: "qwen2_5", architecture: "qwen2", tied: true, dtype: "BF16", method: "merge-tree", pad: 1 },
];

describe("initializeEmbeddings", () => {
  const work = temporaryDirectory();
  const corpus = join(work.path, "ru.txt");
  writeFileSync(corpus, gunzipSync(readFileSync(join(repositoryRoot(), "data", "ru-train.txt.gz"))).toString("utf8").split("\n").slice(0, 4000).join("\n"));

  it.each(cases)("$label: new rows follow the method exactly, old rows and every other tensor are bit-identical, transformers gives the old logits", async ({ label, tokenizer, architecture, tied, dtype, method, pad }) => {
    const directory = join(work.path, label.replace(/\W+/g, "-"));
    const model = join(directory, "model");
    await createTinyModel({ out: model, tokenizerDirectory: fixtureTokenizerDirectory(tokenizer), architecture, hiddenSize: HIDDEN, layers: 1, heads: 2, kvHeads: 1, intermediateSize: 32, tieWordEmbeddings: tied, dtype, seed: 3 });
    const extendedDirectory = join(directory, "tokenizer");
    await extendTokenizer({ base: model, corpus: [corpus], add: NEW_TOKENS, out: extendedDirectory });
    const out = join(directory, "initialized");
    const report = await initializeEmbeddings({ model, tokenizer: extendedDirectory, method, out, padToMultipleOf: pad });

    const base = await loadTokenizer(model);
    const extended = await loadTokenizer(extendedDirectory);
    const baseRows = base.idLimit;
    expect(report.rows % pad).toBe(0);
    expect(report.rows).toBeGreaterThanOrEqual(extended.idLimit);
    expect(report.tied).toBe(tied);
    const before = await ShardedSafetensorsReader.open(model);
    const after = await ShardedSafetensorsReader.open(out);
    const oldRows = (await before.info("model.embed_tokens.weight")).shape[0];
    // Every tensor other than the embeddings is bit-identical.
    for (const name of before.tensorNames()) {
      if (name === "model.embed_tokens.weight" || name === "lm_head.weight") continue;
      expect(Buffer.compare(Buffer.from((await before.readTensor(name)).data), Buffer.from((await after.readTensor(name)).data)), name).toBe(0);
    }
    expect(after.has("lm_head.weight")).toBe(!tied);
    const segmentation = oldSegmentation({ baseTokenizer: base, extendedTokenizer: extended, rowCount: report.rows });
    const merges = new Map<string, [string, string]>();
    for (const merge of extended.json.model.merges as (string | [string, string])[]) {
      const [left, right] = typeof merge === "string" ? (merge.split(" ") as [string, string]) : merge;
      if (!merges.has(left + right)) merges.set(left + right, [left, right]);
    }
    for (const name of tied ? ["model.embed_tokens.weight"] : ["model.embed_tokens.weight", "lm_head.weight"]) {
      const old = (await readFloat32(before, name)).values;
      const { shape, values } = await readFloat32(after, name);
      expect(shape).toEqual([report.rows, HIDDEN]);
      // Old rows: bit for bit (the stored bytes).
      const oldBytes = (await before.readRows(name, 0, base.idLimit)).data;
      const newBytes = (await after.readRows(name, 0, base.idLimit)).data;
      expect(Buffer.compare(Buffer.from(oldBytes), Buffer.from(newBytes)), name).toBe(0);
      // New rows: the method's definition, recomputed here in float64.
      const rowOf = (id: number): number[] => Array.from(old.subarray(id * HIDDEN, (id + 1) * HIDDEN));
      const allMean = new Array(HIDDEN).fill(0);
      for (let row = 0; row < baseRows; row += 1) for (let column = 0; column < HIDDEN; column += 1) allMean[column] += old[row * HIDDEN + column] / baseRows;
      const meanOf = (ids: number[]): number[] => (ids.length === 0 ? allMean : allMean.map((_, column) => ids.reduce((sum, id) => sum + rowOf(id)[column], 0) / ids.length));
      const treeOf = (id: number): number[] => {
        const token = extended.idToToken(id) as string;
        const merge = merges.get(token);
        if (id < base.idLimit || segmentation.kinds[id] !== "segmented" || !merge) return id < base.idLimit ? rowOf(id) : meanOf(segmentation.segment(id));
        const left = treeOf(extended.tokenToId(merge[0]) as number);
        const right = treeOf(extended.tokenToId(merge[1]) as number);
        return left.map((value, column) => (value + right[column]) / 2);
      };
      const round = dtype === "F32" ? Math.fround : (value: number) => bf16(value);
      let checked = 0;
      for (let id = base.idLimit; id < report.rows; id += 1) {
        const expected = (method === "mean" || id >= extended.idLimit ? meanOf(segmentation.segment(id)) : treeOf(id)).map(round);
        expect(Array.from(values.subarray(id * HIDDEN, (id + 1) * HIDDEN)), `${name} row ${id} (${segmentation.kinds[id]})`).toEqual(expected);
        checked += 1;
      }
      expect(checked).toBeGreaterThanOrEqual(NEW_TOKENS);
      expect(oldRows).toBeLessThan(report.rows);
    }

    // transformers loads model + tokenizer; on old tokens, logits over the old vocabulary are unchanged.
    const reference = runPythonJson<{ difference: number; vocab: number; rows: number }>(
      `
import json, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
old = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32)
new = AutoModelForCausalLM.from_pretrained(sys.argv[2], dtype=torch.float32)
tokenizer = AutoTokenizer.from_pretrained(sys.argv[2])
ids = AutoTokenizer.from_pretrained(sys.argv[1])("The quick brown fox jumps over the lazy dog.", return_tensors="pt").input_ids
with torch.no_grad():
    a = old(ids).logits
    b = new(ids).logits[:, :, : a.shape[-1]]
print(json.dumps({"difference": float((a - b).abs().max()), "vocab": len(tokenizer), "rows": new.get_input_embeddings().weight.shape[0]}))
`,
      { args: [model, out] },
    );
    // Old rows are bit-identical; a larger matrix may only change the matmul's float summation order.
    expect(reference.difference).toBeLessThan(1e-6);
    expect(reference.vocab).toBe(extended.vocabSize);
    expect(reference.rows).toBe(report.rows);
  });

  it("refuses a tokenizer that does not extend the model's, and an unknown method", async () => {
    const model = join(work.path, "refuse-model");
    await createTinyModel({ out: model, tokenizerDirectory: fixtureTokenizerDirectory("llama2"), hiddenSize: 8, layers: 1, heads: 2, kvHeads: 1, intermediateSize: 16, seed: 1 });
    const attempt = initializeEmbeddings({ model, tokenizer: fixtureTokenizerDirectory("qwen2_5"), out: join(work.path, "refused") });
    await expect(attempt).rejects.toBeInstanceOf(VocabularyInputError);
    await expect(attempt).rejects.toThrow(/does not extend the model's/);
    await expect(initializeEmbeddings({ model, tokenizer: model, method: "magic" as InitMethodName, out: join(work.path, "refused-2") })).rejects.toThrow(/unknown init method "magic"/);
  });
});

/** Round to bfloat16 (round to nearest even), as the writer stores BF16. */
function bf16(value: number): number {
  const buffer = new DataView(new ArrayBuffer(4));
  buffer.setFloat32(0, value);
  const bits = buffer.getUint32(0);
  const rounded = (bits + 0x7fff + ((bits >> 16) & 1)) & 0xffff0000;
  buffer.setUint32(0, rounded >>> 0);
  return buffer.getFloat32(0);
}

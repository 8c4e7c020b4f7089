// exportGguf refuses what llama.cpp would run differently from transformers, or cannot hold, with a
// typed error naming the file and the field or tensor, before a byte is written: no output file, no
// temporary sibling left. An existing output is kept unless `overwrite`.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cp, rm } from "node:fs/promises";
import { join } from "node:path";
import { OutputFileExistsError } from "@graft/hf";
import { ShardedSafetensorsReader, ShardedSafetensorsWriter } from "@graft/safetensors";
import { createTinyModel, fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportGguf, type GgufExportType } from "./export-gguf.js";
import { GgufExportTensorError } from "./gguf-export-tensor-error.js";
import { GgufExportUnsupportedError } from "./gguf-export-unsupported-error.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
const base = join(work.path, "base");

beforeAll(async () => {
  await createTinyModel({
    out: base,
    tokenizerDirectory: fixtureTokenizerDirectory("qwen2_5"),
    architecture: "qwen2",
    hiddenSize: 32,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediateSize: 64,
  });
}, 120_000);

const editJson = (path: string, edit: (json: Record<string, unknown>) => void) => {
  const json = JSON.parse(readFileSync(path, "utf8"));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
};

/** Rewrites the weights with `edit` applied to the list of tensors. */
async function editWeights(directory: string, edit: (tensors: [string, { dtype: string; shape: number[]; data: Uint8Array }][]) => void): Promise<void> {
  const reader = await ShardedSafetensorsReader.open(directory);
  const tensors: [string, { dtype: string; shape: number[]; data: Uint8Array }][] = [];
  for (const name of reader.tensorNames()) tensors.push([name, await reader.readTensor(name)]);
  await reader.close();
  edit(tensors);
  await rm(join(directory, "model.safetensors"));
  const writer = new ShardedSafetensorsWriter({ directory });
  for (const [name, tensor] of tensors) await writer.addTensor(name, tensor as never);
  await writer.finalize();
}

interface BadCase {
  name: string;
  change: (directory: string) => Promise<void> | void;
  type?: GgufExportType;
  check: (error: unknown) => boolean;
  fields: Record<string, unknown>;
}

const CASES: BadCase[] = [
  {
    name: "an architecture it does not export (gemma2)",
    change: (directory) => editJson(join(directory, "config.json"), (json) => Object.assign(json, { model_type: "gemma2" })),
    check: GgufExportUnsupportedError.isInstance,
    fields: { feature: "architecture", value: "gemma2" },
  },
  {
    name: "a SentencePiece-style tokenizer (Llama-2's BPE with byte fallback)",
    change: async (directory) => {
      for (const file of ["tokenizer.json", "tokenizer_config.json"]) await cp(join(fixtureTokenizerDirectory("llama2"), file), join(directory, file));
    },
    check: GgufExportUnsupportedError.isInstance,
    fields: { feature: "tokenizer" },
  },
  {
    name: "a WordPiece tokenizer model",
    change: (directory) => editJson(join(directory, "tokenizer.json"), (json) => Object.assign(json.model as object, { type: "WordPiece" })),
    check: GgufExportUnsupportedError.isInstance,
    fields: { feature: "tokenizer", value: "WordPiece" },
  },
  {
    name: "a pre-tokenizer llama.cpp has no name for",
    change: (directory) =>
      editJson(join(directory, "tokenizer.json"), (json) => {
        const sequence = json.pre_tokenizer as { pretokenizers: { pattern: { Regex: string } }[] };
        (sequence.pretokenizers[0] as { pattern: { Regex: string } }).pattern.Regex = "\\w+|\\s+";
      }),
    check: GgufExportUnsupportedError.isInstance,
    fields: { feature: "pre-tokenizer" },
  },
  {
    name: "a normalizer llama.cpp does not apply (lowercase)",
    change: (directory) => editJson(join(directory, "tokenizer.json"), (json) => Object.assign(json, { normalizer: { type: "Lowercase" } })),
    check: GgufExportUnsupportedError.isInstance,
    fields: { feature: "normalizer", value: "Lowercase" },
  },
  {
    name: "RoPE scaling (llama3)",
    change: (directory) =>
      editJson(join(directory, "config.json"), (json) =>
        Object.assign(json, {
          rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 1024 },
        }),
      ),
    check: GgufExportUnsupportedError.isInstance,
    fields: { feature: "rope" },
  },
  {
    name: "an output type it does not write",
    change: () => undefined,
    type: "q4_0" as GgufExportType,
    check: GgufExportUnsupportedError.isInstance,
    fields: { feature: "type", value: "q4_0" },
  },
  {
    name: "a tensor dtype that cannot be written (I32)",
    change: (directory) =>
      editWeights(directory, (tensors) => {
        const entry = tensors.find(([name]) => name === "model.layers.0.mlp.up_proj.weight");
        if (entry) entry[1] = { ...entry[1], dtype: "I32" };
      }),
    check: GgufExportTensorError.isInstance,
    fields: { tensorName: "model.layers.0.mlp.up_proj.weight", dtype: "I32" },
  },
  {
    name: "a tensor llama.cpp has no slot for (q_norm)",
    change: (directory) =>
      editWeights(directory, (tensors) => {
        tensors.push(["model.layers.0.self_attn.q_norm.weight", { dtype: "F32", shape: [16], data: new Uint8Array(64) }]);
      }),
    check: GgufExportTensorError.isInstance,
    fields: { tensorName: "model.layers.0.self_attn.q_norm.weight" },
  },
  {
    name: "a tokenizer with more ids than embedding rows",
    change: (directory) =>
      editWeights(directory, (tensors) => {
        const entry = tensors.find(([name]) => name === "model.embed_tokens.weight");
        if (entry) entry[1] = { ...entry[1], shape: [1000, 32], data: entry[1].data.subarray(0, 1000 * 32 * 4) };
        const head = tensors.find(([name]) => name === "lm_head.weight");
        if (head) head[1] = { ...head[1], shape: [1000, 32], data: head[1].data.subarray(0, 1000 * 32 * 4) };
      }),
    check: GgufExportTensorError.isInstance,
    fields: { tensorName: "model.embed_tokens.weight" },
  },
];

describe("exportGguf refuses bad input, writing nothing", () => {
  it.each(CASES.map((testCase, index) => ({ ...testCase, index })))(
    "$name",
    async ({ change, type, check, fields, index }) => {
      const directory = join(work.path, `model-${index}`);
      await cp(base, directory, { recursive: true });
      await change(directory);
      const outDirectory = join(work.path, `out-${index}`);
      const out = join(outDirectory, "model.gguf");
      const error = await exportGguf({ model: directory, out, type: type ?? "f16" }).catch((caught: unknown) => caught);
      expect(check(error), String(error)).toBe(true);
      expect(error).toMatchObject(fields);
      expect(String(error)).toMatch(/Nothing was written/);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(outDirectory) ? readdirSync(outDirectory) : []).toEqual([]);
    },
    60_000,
  );

  it("keeps an existing output unless overwrite, and replaces it whole with it", async () => {
    const out = join(work.path, "existing.gguf");
    writeFileSync(out, "keep me");
    const error = await exportGguf({ model: base, out }).catch((caught: unknown) => caught);
    expect(OutputFileExistsError.isInstance(error), String(error)).toBe(true);
    expect(readFileSync(out, "utf8")).toBe("keep me");
    await exportGguf({ model: base, out, overwrite: true });
    expect(readFileSync(out).subarray(0, 4).toString("latin1")).toBe("GGUF");
    expect(readdirSync(work.path).filter((entry) => entry.includes(".tmp-"))).toEqual([]);
  }, 60_000);
});

// The round trip: `importGguf` of `exportGguf`'s file gives back every tensor (f32 exactly, f16 and
// bf16 as the source rounded to them, bit for bit, q8_0 as gguf-py's dequantization of graft's
// quantization) and a tokenizer that encodes like the original in Python `tokenizers`; for tied
// and untied heads, a padded vocabulary not a multiple of the block size, Llama, Mistral and
// Qwen2 (biases), real Llama-3 and Qwen2.5 tokenizers, and a model in two shards. The files are
// checked as llama.cpp reads them: types, tied head, unused padding tokens, no temporary left.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadModelDirectory } from "@graft/hf";
import { float32ArrayToBf16, float32ArrayToF16, ShardedSafetensorsReader, ShardedSafetensorsWriter, toFloat32 } from "@graft/safetensors";
import { createTinyModel, type FixtureTokenizerName, fixtureText, fixtureTokenizerDirectory, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { dequantize } from "./dequantize.js";
import { type ExportGgufEvent, exportGguf, type GgufExportType } from "./export-gguf.js";
import { GgufReader } from "./gguf-reader.js";
import { ggufTensorName } from "./gguf-tensor-name.js";
import { importGguf } from "./import-gguf.js";
import { quantizeQ8_0 } from "./quantize-q8-0.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

interface RoundTripCase {
  name: string;
  architecture: "llama" | "mistral" | "qwen2";
  tokenizer: FixtureTokenizerName;
  type: GgufExportType;
  tied: boolean;
  dtype: "F32" | "BF16";
  hiddenSize: number;
  /** Rows beyond the tokenizer's ids (padding), or 0. */
  padding: number;
  shards: number;
  preTokenizer: string;
}

const CASES: RoundTripCase[] = [
  {
    name: "Llama, untied, Llama-3 tokenizer, f32",
    architecture: "llama",
    tokenizer: "llama3",
    type: "f32",
    tied: false,
    dtype: "F32",
    hiddenSize: 32,
    padding: 0,
    shards: 1,
    preTokenizer: "llama-bpe",
  },
  // 128256 + 45 rows: not a multiple of 32 or 64
  {
    name: "Llama, tied, padded vocabulary, bf16",
    architecture: "llama",
    tokenizer: "llama3",
    type: "bf16",
    tied: true,
    dtype: "BF16",
    hiddenSize: 32,
    padding: 45,
    shards: 1,
    preTokenizer: "llama-bpe",
  },
  {
    name: "Qwen2 with biases, Qwen2.5 tokenizer, f16",
    architecture: "qwen2",
    tokenizer: "qwen2_5",
    type: "f16",
    tied: true,
    dtype: "F32",
    hiddenSize: 32,
    padding: 0,
    shards: 1,
    preTokenizer: "qwen2",
  },
  // rows of 48 are not whole Q8_0 blocks: those matrices fall back to f16, ffn_down's rows of 64 are Q8_0
  {
    name: "Mistral, q8_0, rows not whole blocks, padded",
    architecture: "mistral",
    tokenizer: "llama3",
    type: "q8_0",
    tied: false,
    dtype: "F32",
    hiddenSize: 48,
    padding: 7,
    shards: 1,
    preTokenizer: "llama-bpe",
  },
  {
    name: "Llama in two shards, bf16 source to f16",
    architecture: "llama",
    tokenizer: "llama3",
    type: "f16",
    tied: false,
    dtype: "BF16",
    hiddenSize: 32,
    padding: 0,
    shards: 2,
    preTokenizer: "llama-bpe",
  },
];

/** Rewrites a model directory's weights into `shards` safetensors files. */
async function reshard(directory: string, shards: number): Promise<void> {
  const reader = await ShardedSafetensorsReader.open(directory);
  const tensors = [];
  for (const name of reader.tensorNames()) tensors.push([name, await reader.readTensor(name)] as const);
  await reader.close();
  for (const file of readdirSync(directory)) if (file.endsWith(".safetensors")) await import("node:fs/promises").then(({ rm }) => rm(join(directory, file)));
  const total = tensors.reduce((sum, [, tensor]) => sum + tensor.data.byteLength, 0);
  const writer = new ShardedSafetensorsWriter({ directory, maxShardSize: Math.ceil(total / shards) + 1 });
  for (const [name, tensor] of tensors) await writer.addTensor(name, tensor);
  await writer.finalize();
}

/** What the import of the export must hold for a source tensor in the type it was written as. */
function expected(values: Float32Array, ggmlType: string): Float32Array {
  if (ggmlType === "F32") return values;
  if (ggmlType === "F16") return dequantize("F16", float32ArrayToF16(values), values.length);
  if (ggmlType === "BF16") return dequantize("BF16", float32ArrayToBf16(values), values.length);
  return dequantize("Q8_0", quantizeQ8_0(values), values.length);
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let index = 0; index < x.length; index += 1) if (x[index] !== y[index]) return false;
  return true;
}

const tokenizerPairs: [string, string][] = [];

describe("exportGguf round trip through importGguf", () => {
  it.each(CASES)(
    "$name",
    async (testCase) => {
      const source = join(work.path, testCase.name.replace(/\W+/g, "-"));
      const tokenizerDirectory = fixtureTokenizerDirectory(testCase.tokenizer);
      const { loadTokenizer } = await import("@graft/hf");
      const idLimit = (await loadTokenizer(tokenizerDirectory, { lazy: true })).idLimit;
      await createTinyModel({
        out: source,
        tokenizerDirectory,
        architecture: testCase.architecture,
        hiddenSize: testCase.hiddenSize,
        layers: 2,
        heads: 4,
        kvHeads: 2,
        intermediateSize: 64,
        tieWordEmbeddings: testCase.tied,
        dtype: testCase.dtype,
        vocabSize: idLimit + testCase.padding,
        chatTemplate: "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}",
      });
      if (testCase.shards > 1) await reshard(source, testCase.shards);
      const file = join(work.path, `${testCase.name.replace(/\W+/g, "-")}.gguf`);
      const events: ExportGgufEvent[] = [];
      await exportGguf({ model: source, out: file, type: testCase.type, onEvent: (event) => events.push(event) });
      expect(readdirSync(work.path).filter((entry) => entry.includes(".tmp-"))).toEqual([]);

      const rows = idLimit + testCase.padding;
      const reader = await GgufReader.open(file);
      const types = new Map(reader.tensors.map((tensor) => [tensor.name, tensor.type.name]));
      try {
        expect(reader.version).toBe(3);
        expect(reader.metadata.get("general.architecture")).toBe(testCase.architecture === "qwen2" ? "qwen2" : "llama");
        expect(reader.metadata.get("tokenizer.ggml.pre")).toBe(testCase.preTokenizer);
        const tokens = reader.metadata.get("tokenizer.ggml.tokens") as string[];
        const tokenTypes = reader.metadata.get("tokenizer.ggml.token_type") as number[];
        expect(tokens).toHaveLength(rows);
        expect(tokens.slice(idLimit)).toEqual(Array.from({ length: testCase.padding }, (_, index) => `[PAD${idLimit + index}]`));
        expect(tokenTypes.slice(idLimit).every((type) => type === 5)).toBe(true);
        expect(reader.tensor("token_embd.weight")?.dims).toEqual([testCase.hiddenSize, rows]);
        expect(reader.tensor("output.weight") === undefined).toBe(testCase.tied);
        expect(reader.tensor("blk.0.attn_norm.weight")?.type.name).toBe("F32");
        expect(reader.tensor("blk.0.attn_q.bias") !== undefined).toBe(testCase.architecture === "qwen2");
        if (testCase.type === "q8_0") {
          expect(types.get("blk.0.ffn_down.weight")).toBe("Q8_0");
          expect(types.get("blk.0.attn_q.weight")).toBe("F16");
        }
        expect(events.filter((event) => event.type === "tensor")).toHaveLength(reader.tensors.length);
      } finally {
        await reader.close();
      }

      const back = join(work.path, `${testCase.name.replace(/\W+/g, "-")}-back`);
      await importGguf({ file, out: back, dtype: "f32" });
      const original = await loadModelDirectory(source);
      const imported = await loadModelDirectory(back);
      try {
        expect(imported.config.tie_word_embeddings).toBe(testCase.tied);
        expect(imported.config.vocab_size).toBe(rows);
        expect(imported.chatTemplate).toBe(original.chatTemplate);
        const mismatched: string[] = [];
        const names = original.weights.tensorNames().filter((name) => !(testCase.tied && name === "lm_head.weight"));
        expect(imported.weights.tensorNames().sort()).toEqual([...names].sort());
        for (const name of names) {
          const type = types.get(ggufTensorName(name) as string) as string;
          const values = toFloat32(await original.weights.readTensor(name));
          if (!sameBits(toFloat32(await imported.weights.readTensor(name)), expected(values, type))) mismatched.push(`${name} (${type})`);
        }
        expect(mismatched).toEqual([]);
      } finally {
        await original.weights.close();
        await imported.weights.close();
      }
      tokenizerPairs.push([source, back]);
    },
    300_000,
  );

  it("gives back tokenizers that encode like the originals in Python tokenizers", () => {
    expect(tokenizerPairs).toHaveLength(CASES.length);
    const textPath = join(work.path, "text.txt");
    const special = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nПривет<|eot_id|><|im_start|>user\nhi<|im_end|><|endoftext|>";
    writeFileSync(
      textPath,
      `${fixtureText("ru-fortunes").slice(0, 20_000)}\n${fixtureText("en-fortunes").slice(0, 10_000)}\n${special}\nfunction f(x) {\n\treturn x ** 2; // 12345\n}\n  \u00a0 ÿ 🤗\n`,
    );
    const result = runPythonJson<{ equal: boolean; count: number; first: number }[]>(
      `
import json, sys
from tokenizers import Tokenizer
text = open(sys.argv[1], encoding="utf8").read()
out = []
for pair in json.loads(sys.argv[2]):
    a, b = (Tokenizer.from_file(d + "/tokenizer.json").encode(text, add_special_tokens=False).ids for d in pair)
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), -1 if len(a) == len(b) else min(len(a), len(b)))
    out.append({"equal": a == b, "count": len(a), "first": first})
print(json.dumps(out))
`,
      { args: [textPath, JSON.stringify(tokenizerPairs)] },
    );
    for (const entry of result) expect(entry.count).toBeGreaterThan(5000);
    expect(result.map((entry) => entry.first)).toEqual(result.map(() => -1));
  }, 120_000);
});

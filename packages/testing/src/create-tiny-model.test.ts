import { join } from "node:path";
import { embeddingInfo, loadModelDirectory } from "@graft/hf";
import { afterAll, describe, expect, it } from "vitest";
import { createTinyModel } from "./create-tiny-model.js";
import { fixtureTokenizerDirectory } from "./fixture-tokenizer.js";
import { runPythonJson } from "./run-python.js";
import { temporaryDirectory } from "./temporary-directory.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

describe("createTinyModel", () => {
  it("writes Llama / Qwen2 / Mistral directories that transformers loads, with transformers' own tensor names and shapes", async () => {
    const cases = [
      { name: "llama-untied-f32", architecture: "llama", tokenizer: "llama2", tie: false, dtype: "F32", heads: 4, kvHeads: 2 },
      { name: "qwen2-tied-bf16", architecture: "qwen2", tokenizer: "qwen2_5", tie: true, dtype: "BF16", heads: 4, kvHeads: 1 },
      { name: "mistral-gqa-f32", architecture: "mistral", tokenizer: "llama2", tie: false, dtype: "F32", heads: 8, kvHeads: 2 },
    ] as const;
    for (const testCase of cases) {
      const out = join(work.path, testCase.name);
      await createTinyModel({
        out,
        tokenizerDirectory: fixtureTokenizerDirectory(testCase.tokenizer),
        architecture: testCase.architecture,
        tieWordEmbeddings: testCase.tie,
        dtype: testCase.dtype,
        heads: testCase.heads,
        kvHeads: testCase.kvHeads,
        hiddenSize: 32,
        intermediateSize: 48,
        seed: 7,
      });
      const model = await loadModelDirectory(out);
      const info = await embeddingInfo(model);
      expect(info.tied, testCase.name).toBe(testCase.tie);
      const ours = Object.fromEntries(await Promise.all(model.weights.tensorNames().map(async (name) => [name, (await model.weights.info(name)).shape])));
      await model.weights.close();
      const reference = runPythonJson<{ shape: number[]; finite: boolean; expected: Record<string, number[]>; loaded_dtype: string; tokens: number[] }>(
        `
import json, sys, torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
directory = sys.argv[1]
model = AutoModelForCausalLM.from_pretrained(directory)
tokenizer = AutoTokenizer.from_pretrained(directory)
ids = tokenizer("Hello world, привет мир", return_tensors="pt").input_ids
with torch.no_grad():
    logits = model(ids).logits
fresh = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(directory))
expected = {name: list(t.shape) for name, t in fresh.state_dict().items()}
if fresh.config.tie_word_embeddings:
    expected.pop("lm_head.weight", None)
print(json.dumps({"shape": list(logits.shape), "finite": bool(torch.isfinite(logits).all()), "expected": expected,
                  "loaded_dtype": str(next(model.parameters()).dtype), "tokens": ids[0].tolist()}))
`,
        { args: [out] },
      );
      expect(reference.finite, testCase.name).toBe(true);
      expect(reference.shape, testCase.name).toEqual([1, reference.tokens.length, model.config.vocab_size]);
      expect(ours, testCase.name).toEqual(reference.expected);
      expect(reference.loaded_dtype, testCase.name).toBe(testCase.dtype === "F32" ? "torch.float32" : "torch.bfloat16");
    }
  });

  it("is deterministic in its seed", async () => {
    const first = join(work.path, "seed-a");
    const second = join(work.path, "seed-b");
    for (const out of [first, second])
      await createTinyModel({ out, tokenizerDirectory: fixtureTokenizerDirectory("llama2"), hiddenSize: 16, intermediateSize: 16, seed: 3 });
    const a = await loadModelDirectory(first);
    const b = await loadModelDirectory(second);
    const name = "model.layers.1.mlp.down_proj.weight";
    expect(Buffer.from((await a.weights.readTensor(name)).data).equals(Buffer.from((await b.weights.readTensor(name)).data))).toBe(true);
    await a.weights.close();
    await b.weights.close();
  });
});

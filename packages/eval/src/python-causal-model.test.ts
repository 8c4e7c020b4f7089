import { join } from "node:path";
import { type GraftTokenizer, loadTokenizer } from "@graft/hf";
import { createTinyModel, fixtureText, fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bitsPerCharacter } from "./bits-per-character.js";
import type { CausalLanguageModel } from "./causal-language-model.js";
import { exportOnnx } from "./export-onnx.js";
import { generate } from "./generate.js";
import { generateBatch } from "./generate-batch.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";
import { PythonBackendError } from "./python-backend-error.js";
import { PythonCausalModel } from "./python-causal-model.js";
import { scoreContinuations } from "./score-continuations.js";

const workspace = temporaryDirectory("graft-eval-python-");
const LOGITS_TOLERANCE = 1e-4;
const GREEDY_TOKENS = 32;
let modelDirectory: string;
let onnx: OnnxCausalModel;
let python: PythonCausalModel;
let tokenizer: GraftTokenizer;

beforeAll(async () => {
  modelDirectory = join(workspace.path, "qwen2");
  // Qwen2 (q/k/v biases), GQA, untied: the backend must honour every part the ONNX export does.
  await createTinyModel({
    out: modelDirectory,
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    architecture: "qwen2",
    hiddenSize: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    intermediateSize: 128,
    tieWordEmbeddings: false,
    seed: 5,
    initializerRange: 0.2,
  });
  await exportOnnx({ model: modelDirectory, out: `${modelDirectory}-onnx` });
  [onnx, python, tokenizer] = await Promise.all([
    OnnxCausalModel.load(`${modelDirectory}-onnx`, { threads: 1 }),
    PythonCausalModel.load(modelDirectory, { device: "cpu", threads: 1 }),
    loadTokenizer(modelDirectory),
  ]);
});
afterAll(async () => {
  await Promise.all([onnx?.release(), python?.release()]);
  workspace.remove();
});

function maxAbsoluteDifference(left: Float32Array, right: Float32Array): number {
  expect(left.length).toBe(right.length);
  let worst = 0;
  for (let index = 0; index < left.length; index += 1) worst = Math.max(worst, Math.abs(left[index]! - right[index]!));
  return worst;
}

describe("PythonCausalModel (transformers in a subprocess) against OnnxCausalModel", () => {
  it("reports the server's device, dtype and vocabulary", () => {
    expect(python.info).toMatchObject({ device: "cpu", dtype: "float32", vocabSize: tokenizer.vocabSize });
    expect(python.backend).toBe("python");
  });

  it("gives the same logits for a left-padded batch, and through the cache", async () => {
    const long = tokenizer.encode("Столица России — Москва.");
    const short = tokenizer.encode("Hello");
    const padding = long.length - short.length;
    const inputIds = [long, [...new Array<number>(padding).fill(0), ...short]];
    const attentionMask = [long.map(() => 1), [...new Array<number>(padding).fill(0), ...short.map(() => 1)]];
    const [fromOnnx, fromPython] = await Promise.all([onnx, python].map((model) => model.forward({ inputIds, attentionMask, keepCache: false })));
    // Padding positions attend to nothing and may differ between backends; compare the real tokens only.
    const vocabulary = fromOnnx!.vocabulary;
    const real = (logits: Float32Array) =>
      Float32Array.from([...logits.subarray(0, long.length * vocabulary), ...logits.subarray((long.length + padding) * vocabulary)]);
    expect(maxAbsoluteDifference(real(fromOnnx!.logits), real(fromPython!.logits))).toBeLessThan(LOGITS_TOLERANCE);

    // Prefix then one cached step == the full sequence's last row.
    const prefix = await python.forward({ inputIds: [long.slice(0, -1)] });
    const step = await python.forward({ inputIds: [long.slice(-1)], cache: prefix.cache, lastLogitsOnly: true });
    expect(step.cache?.length).toBe(long.length);
    const full = await python.forward({ inputIds: [long], keepCache: false });
    expect(full.cache).toBeUndefined();
    expect(maxAbsoluteDifference(step.logits, full.logits.subarray((long.length - 1) * vocabulary))).toBeLessThan(LOGITS_TOLERANCE);
  });

  it(`generates the same ${GREEDY_TOKENS} greedy tokens, with and without the cache`, async () => {
    const prompt = tokenizer.encode("Жили-были дед да баба");
    const runs = await Promise.all([
      generate(onnx, prompt, { maxNewTokens: GREEDY_TOKENS }),
      generate(python, prompt, { maxNewTokens: GREEDY_TOKENS }),
      generate(python, prompt, { maxNewTokens: GREEDY_TOKENS, useCache: false }),
    ]);
    expect(runs[0]!.tokenIds).toHaveLength(GREEDY_TOKENS);
    expect(runs[1]!.tokenIds).toEqual(runs[0]!.tokenIds);
    expect(runs[2]!.tokenIds).toEqual(runs[0]!.tokenIds);
  });

  it("generates a left-padded batch through its cache with each prompt's one-at-a-time greedy tokens", async () => {
    const prompts = ["Жили-были", "Hello", "Столица России — Москва, а столица Франции"].map((text) => tokenizer.encode(text));
    const single = await Promise.all(prompts.map((prompt) => generate(onnx, prompt, { maxNewTokens: 12 })));
    const batched = await generateBatch(python, prompts, { maxNewTokens: 12 });
    expect(batched.map((result) => result.tokenIds)).toEqual(single.map((result) => result.tokenIds));
  });

  it("scores continuations and bits per character like the ONNX backend", async () => {
    const text = fixtureText("ru-fortunes").slice(0, 400);
    const requests = [
      { context: tokenizer.encode("The capital of France is"), continuation: tokenizer.encode(" Paris", { addSpecialTokens: false }) },
      { context: tokenizer.encode("Столица"), continuation: tokenizer.encode(" России — Москва", { addSpecialTokens: false }) },
    ];
    const measure = async (model: CausalLanguageModel) => ({
      bits: await bitsPerCharacter(model, tokenizer, text, { window: 64 }),
      scores: await scoreContinuations(model, requests, { batchSize: 2 }),
    });
    const [fromOnnx, fromPython] = [await measure(onnx), await measure(python)];
    expect(fromPython.bits.scoredTokens).toBe(fromOnnx.bits.scoredTokens);
    expect(Math.abs(fromPython.bits.bitsPerCharacter - fromOnnx.bits.bitsPerCharacter)).toBeLessThan(1e-4);
    for (const [index, score] of fromPython.scores.entries()) expect(Math.abs(score.logLikelihood - fromOnnx.scores[index]!.logLikelihood)).toBeLessThan(1e-3);
  });

  const misuse = [{ name: "a cache continued twice (caches are single-use)", reason: /already continued/ }];
  for (const testCase of misuse) {
    it(`raises a typed error for ${testCase.name} and keeps serving`, async () => {
      const first = await python.forward({ inputIds: [[1, 2, 3]] });
      await python.forward({ inputIds: [[4]], cache: first.cache });
      const error = await python.forward({ inputIds: [[4]], cache: first.cache }).catch((caught: unknown) => caught);
      expect(PythonBackendError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(testCase.reason);
      expect((await python.forward({ inputIds: [[1, 2]], keepCache: false })).logits.length).toBe(2 * tokenizer.vocabSize);
    });
  }

  it("raises a typed error naming the directory when the model cannot be loaded", async () => {
    const missing = join(workspace.path, "no-such-model");
    const error = await PythonCausalModel.load(missing, { device: "cpu" }).catch((caught: unknown) => caught);
    expect(PythonBackendError.isInstance(error)).toBe(true);
    expect((error as PythonBackendError).directory).toBe(missing);
    expect((error as PythonBackendError).exitCode).not.toBe(0);
    expect((error as Error).message).toContain("exited");
  });
});

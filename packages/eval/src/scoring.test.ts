import { join } from "node:path";
import { type GraftTokenizer, loadTokenizer } from "@graft/hf";
import { createTinyModel, fixtureText, fixtureTokenizerDirectory, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bitsPerCharacter } from "./bits-per-character.js";
import { exportOnnx } from "./export-onnx.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";
import { scoreContinuations } from "./score-continuations.js";

const workspace = temporaryDirectory("graft-eval-scoring-");
let model: OnnxCausalModel;
let tokenizer: GraftTokenizer;
let modelDirectory: string;
const TOLERANCE = 1e-3;

const REFERENCE = `
import json, math, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
directory, text, requests = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
model = AutoModelForCausalLM.from_pretrained(directory, torch_dtype=torch.float32).eval()
tokenizer = AutoTokenizer.from_pretrained(directory)
def nll(ids, start):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].log_softmax(-1)
    return -sum(logits[position - 1, ids[position]].item() for position in range(start, len(ids)))
ids = tokenizer(text)["input_ids"]
total = nll(ids, 1)
scores = [-nll(r["context"] + r["continuation"], len(r["context"])) for r in requests]
print(json.dumps({"ids": ids, "bpc": total / math.log(2) / len(text), "scores": scores}))
`;

beforeAll(async () => {
  modelDirectory = join(workspace.path, "llama");
  await createTinyModel({
    out: modelDirectory,
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    architecture: "llama",
    hiddenSize: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    intermediateSize: 128,
    seed: 3,
    initializerRange: 0.2,
  });
  await exportOnnx({ model: modelDirectory, out: `${modelDirectory}-onnx` });
  model = await OnnxCausalModel.load(`${modelDirectory}-onnx`);
  tokenizer = await loadTokenizer(modelDirectory);
});
afterAll(async () => {
  await model?.release();
  workspace.remove();
});

describe("scoring against transformers", () => {
  it("bits per character and batched continuation scores match a direct transformers computation", async () => {
    const text = fixtureText("ru-fortunes")
      .split(/\n\s*\n/)[0]!
      .slice(0, 300);
    const requests = [
      { context: tokenizer.encode("The capital of France is"), continuation: tokenizer.encode(" Paris", { addSpecialTokens: false }) },
      { context: tokenizer.encode("Столица"), continuation: tokenizer.encode(" России — Москва, большой город", { addSpecialTokens: false }) },
      { context: tokenizer.encode("a"), continuation: tokenizer.encode(" b c", { addSpecialTokens: false }) },
    ];
    const reference = runPythonJson<{ ids: number[]; bpc: number; scores: number[] }>(REFERENCE, { args: [modelDirectory, text, JSON.stringify(requests)] });
    expect(tokenizer.encode(text)).toEqual(reference.ids);

    const full = await bitsPerCharacter(model, tokenizer, text, { window: 4096 });
    expect(Math.abs(full.bitsPerCharacter - reference.bpc)).toBeLessThan(TOLERANCE);
    // A sliding window scores every token once; with a short window the context shrinks, so the value moves a little but stays close.
    const windowed = await bitsPerCharacter(model, tokenizer, text, { window: 32, stride: 16 });
    expect(windowed.scoredTokens).toBe(full.scoredTokens);
    expect(Math.abs(windowed.bitsPerCharacter - full.bitsPerCharacter) / full.bitsPerCharacter).toBeLessThan(0.2);

    // Batch of 2 forces left padding of the shorter request.
    const scores = await scoreContinuations(model, requests, { batchSize: 2 });
    scores.forEach((score, index) => {
      expect(score.tokenCount).toBe(requests[index]!.continuation.length);
      expect(Math.abs(score.logLikelihood - reference.scores[index]!)).toBeLessThan(TOLERANCE);
    });
  });
});

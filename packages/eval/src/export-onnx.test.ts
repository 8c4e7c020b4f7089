import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTinyModel, fixtureTokenizerDirectory, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx.js";
import { EXPORT_OPERATORS } from "./export-operators.js";
import { generate } from "./generate.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";
import { UnsupportedArchitectureError } from "./unsupported-architecture-error.js";

const workspace = temporaryDirectory("graft-eval-export-");
afterAll(() => workspace.remove());

/** Fixture text encoded by the tiny models (llama2 tokenizer). */
const PROMPT_IDS = [1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203, 29889, 2266, 338, 263];
const GENERATED_TOKENS = 32;
const LOGIT_TOLERANCE = 1e-4;

const REFERENCE = `
import json, sys, torch
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained(sys.argv[1], torch_dtype=torch.float32, attn_implementation="eager").eval()
ids = torch.tensor([json.loads(sys.argv[2])])
with torch.no_grad():
    logits = model(ids).logits[0]
    tokens = ids
    for _ in range(int(sys.argv[3])):
        next_id = model(tokens).logits[0, -1].argmax()
        tokens = torch.cat([tokens, next_id.view(1, 1)], dim=1)
print(json.dumps({"logits": logits.flatten().tolist(), "generated": tokens[0, ids.shape[1]:].tolist()}))
`;

const cases = [
  { name: "llama untied, GQA", architecture: "llama", heads: 4, kvHeads: 2, tieWordEmbeddings: false },
  { name: "qwen2 with q/k/v biases, tied", architecture: "qwen2", heads: 4, kvHeads: 2, tieWordEmbeddings: true },
  { name: "mistral, multi-head (no GQA), tied", architecture: "mistral", heads: 4, kvHeads: 4, tieWordEmbeddings: true },
] as const;

/** One tiny model and its transformers reference per case, shared by the operator sets' tests. */
const prepared = new Map<string, Promise<{ modelDirectory: string; reference: { logits: number[]; generated: number[] } }>>();
function prepare(testCase: (typeof cases)[number]) {
  const modelDirectory = join(workspace.path, `${testCase.architecture}-${testCase.kvHeads}-${testCase.tieWordEmbeddings}`);
  if (!prepared.has(modelDirectory)) {
    prepared.set(
      modelDirectory,
      (async () => {
        await createTinyModel({
          out: modelDirectory,
          tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
          architecture: testCase.architecture,
          hiddenSize: 64,
          layers: 2,
          heads: testCase.heads,
          kvHeads: testCase.kvHeads,
          intermediateSize: 128,
          tieWordEmbeddings: testCase.tieWordEmbeddings,
          seed: 7,
          initializerRange: 0.2,
        });
        const reference = runPythonJson<{ logits: number[]; generated: number[] }>(REFERENCE, {
          args: [modelDirectory, JSON.stringify(PROMPT_IDS), String(GENERATED_TOKENS)],
        });
        return { modelDirectory, reference };
      })(),
    );
  }
  return prepared.get(modelDirectory)!;
}

describe("exportOnnx parity with transformers", () => {
  for (const testCase of cases) {
    for (const operators of EXPORT_OPERATORS) {
      it(`${testCase.name}, ${operators} operators: logits within ${LOGIT_TOLERANCE}, greedy tokens identical, cache == no cache`, async () => {
        const { modelDirectory, reference } = await prepare(testCase);
        const exported = `${modelDirectory}-${operators}-onnx`;
        const result = await exportOnnx({ model: modelDirectory, out: exported, operators });
        expect(result.operators).toBe(operators);
        const model = await OnnxCausalModel.load(exported);
        try {
          expect(model.operators).toBe(operators);
          const { logits } = await model.forward({ inputIds: [PROMPT_IDS] });
          let maximum = 0;
          for (let index = 0; index < logits.length; index += 1) maximum = Math.max(maximum, Math.abs(logits[index]! - reference.logits[index]!));
          expect(logits.length).toBe(reference.logits.length);
          expect(maximum).toBeLessThanOrEqual(LOGIT_TOLERANCE);

          const cached = await generate(model, PROMPT_IDS, { maxNewTokens: GENERATED_TOKENS });
          const uncached = await generate(model, PROMPT_IDS, { maxNewTokens: GENERATED_TOKENS, useCache: false });
          expect(cached.tokenIds).toEqual(reference.generated);
          expect(uncached.tokenIds).toEqual(cached.tokenIds);
          // The generation is not degenerate (the fixture's init is wide enough to vary).
          expect(new Set(cached.tokenIds).size).toBeGreaterThan(1);
        } finally {
          await model.release();
        }
      });
    }
  }

  it("rejects an unsupported architecture with a typed error naming it", async () => {
    const directory = join(workspace.path, "gpt2");
    await mkdir(directory, { recursive: true });
    await writeFile(join(directory, "config.json"), JSON.stringify({ architectures: ["GPT2LMHeadModel"], model_type: "gpt2" }));
    const error = await exportOnnx({ model: directory, out: join(workspace.path, "gpt2-onnx") }).catch((caught: unknown) => caught);
    expect(UnsupportedArchitectureError.isInstance(error)).toBe(true);
    expect((error as UnsupportedArchitectureError).architecture).toBe("GPT2LMHeadModel");
    expect((error as Error).message).toContain("GPT2LMHeadModel");
  });
});

// The real SmolLM2-135M-Instruct (imported from its GGUF in float32) through graft's ONNX export and
// Python backend against transformers loading the same directory: logits at every position, and
// through the KV cache, within an absolute tolerance. A copy whose config says rope_theta 10000 (what
// graft once read for this model) must miss the reference, so the test can tell. Skips only when
// the package registry holding the GGUF cannot be reached.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { importGguf } from "@graft/gguf";
import { fixtureText, realModel, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx.js";
import { EXPORT_OPERATORS } from "./export-operators.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";
import { PythonCausalModel } from "./python-causal-model.js";

const model = await realModel("smollm2");
const work = temporaryDirectory("graft-eval-smollm2-parity-");
afterAll(() => work.remove());

/** Absolute, in logit units (this model's logits span roughly ±30). */
const TOLERANCE = 1e-3;
/** The rope_theta 10000 copy must miss the reference by more than this on the long prompt. */
const CONTRAST_MINIMUM = 1e-1;
/** Cached steps after the prefix, one token each. */
const STEPS = 3;

const PROMPTS = {
  russian: "<|im_start|>user\nКакая столица России?<|im_end|>\n<|im_start|>assistant\n",
  english: "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
  long: `${fixtureText("en-fortunes").slice(0, 900)}\n${fixtureText("ru-fortunes").slice(0, 500)}`,
};
type PromptName = keyof typeof PROMPTS;
const NAMES = Object.keys(PROMPTS) as PromptName[];

const REFERENCE = `
import json, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
directory, request, out = sys.argv[1:4]
torch.set_num_threads(2)
prompts = json.load(open(request))
tokenizer = AutoTokenizer.from_pretrained(directory)
model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager").eval()
result = {}
for name, text in prompts.items():
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].float().contiguous()
    logits.numpy().tofile(out + "/" + name + ".f32")
    result[name] = {"ids": ids, "scale": logits.abs().max().item()}
print(json.dumps(result))
`;

interface Reference {
  ids: number[];
  scale: number;
  /** `[ids.length, vocabulary]`, row-major. */
  logits: Float32Array;
}

function maxDifference(left: Float32Array, right: Float32Array): number {
  expect(left.length).toBe(right.length);
  let worst = 0;
  for (let index = 0; index < left.length; index += 1) worst = Math.max(worst, Math.abs(left[index]! - right[index]!));
  return worst;
}

describe.skipIf(model.skip !== undefined)(`SmolLM2-135M-Instruct parity with transformers${model.skip ? ` (skipped: ${model.skip})` : ""}`, () => {
  const imported = join(work.path, "imported");
  const contrast = join(work.path, "theta-10000");
  const references = {} as Record<PromptName, Reference>;
  let vocabulary = 0;
  const measured: Record<string, number> = {};
  afterAll(() => console.log(`SmolLM2 parity (long prompt ${references.long?.ids.length} tokens), max |difference| in logits: ${JSON.stringify(measured)}`));

  beforeAll(async () => {
    await importGguf({ file: model.path as string, out: imported, dtype: "f32" });
    const request = join(work.path, "prompts.json");
    writeFileSync(request, JSON.stringify(PROMPTS));
    const answer = runPythonJson<Record<PromptName, { ids: number[]; scale: number }>>(REFERENCE, {
      args: [imported, request, work.path],
      timeoutMs: 600_000,
    });
    for (const name of NAMES) {
      const bytes = readFileSync(join(work.path, `${name}.f32`));
      const logits = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      references[name] = { ...answer[name], logits };
      vocabulary = logits.length / answer[name].ids.length;
    }
  }, 900_000);

  async function checkOnnx(directory: string, label: string, names: PromptName[], cached: boolean): Promise<Record<PromptName, number>> {
    const differences = {} as Record<PromptName, number>;
    const onnx = await OnnxCausalModel.load(directory, { threads: 2 });
    try {
      for (const name of names) {
        const { ids, logits } = references[name];
        const full = await onnx.forward({ inputIds: [ids], keepCache: false });
        differences[name] = maxDifference(full.logits, logits);
        measured[`${label} ${name} all positions`] = differences[name];
        if (!cached) continue;
        const last = maxDifference(full.logits.subarray((ids.length - 1) * vocabulary), logits.subarray((ids.length - 1) * vocabulary));
        measured[`${label} ${name} last position`] = last;
        expect(last, `${label} ${name}: last position`).toBeLessThanOrEqual(TOLERANCE);
        const prefix = ids.length - STEPS;
        let step = await onnx.forward({ inputIds: [ids.slice(0, prefix)] });
        let worst = maxDifference(step.logits, logits.subarray(0, prefix * vocabulary));
        for (let position = prefix; position < ids.length; position += 1) {
          step = await onnx.forward({ inputIds: [[ids[position]!]], cache: step.cache });
          worst = Math.max(worst, maxDifference(step.logits, logits.subarray(position * vocabulary, (position + 1) * vocabulary)));
        }
        measured[`${label} ${name} through the cache`] = worst;
        expect(worst, `${label} ${name}: prefix then ${STEPS} cached steps`).toBeLessThanOrEqual(TOLERANCE);
      }
    } finally {
      await onnx.release();
    }
    return differences;
  }

  it("reads prompts of the lengths asked for (one long enough to reach positions past 300)", () => {
    expect(references.long.ids.length).toBeGreaterThanOrEqual(300);
    expect(references.russian.ids.length).toBeGreaterThan(10);
    expect(vocabulary).toBe(49152);
  });

  for (const operators of EXPORT_OPERATORS) {
    it(`ONNX (${operators}) logits equal transformers' within ${TOLERANCE}, at every position and through the KV cache`, async () => {
      const exported = join(work.path, `onnx-${operators}`);
      await exportOnnx({ model: imported, out: exported, operators });
      const differences = await checkOnnx(exported, operators, NAMES, true);
      for (const name of NAMES) expect(differences[name], `${operators} ${name}: all positions`).toBeLessThanOrEqual(TOLERANCE);
    }, 600_000);
  }

  it(`the Python backend's logits equal transformers' within ${TOLERANCE}`, async () => {
    const python = await PythonCausalModel.load(imported, { device: "cpu", threads: 2 });
    try {
      const { ids, logits } = references.long;
      const difference = maxDifference((await python.forward({ inputIds: [ids], keepCache: false })).logits, logits);
      measured["python long all positions"] = difference;
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      await python.release();
    }
  }, 300_000);

  it(`the same weights exported with rope_theta 10000 miss transformers' logits by more than ${CONTRAST_MINIMUM} on the long prompt`, async () => {
    mkdirSync(contrast);
    for (const file of readdirSync(imported)) if (file !== "config.json") copyFileSync(join(imported, file), join(contrast, file));
    const config = JSON.parse(readFileSync(join(imported, "config.json"), "utf8")) as Record<string, unknown>;
    const original = config.rope_parameters as Record<string, unknown> | undefined;
    expect(original?.rope_theta ?? config.rope_theta).toBe(100000);
    if (original) config.rope_parameters = { ...original, rope_theta: 10000 };
    if (config.rope_theta !== undefined) config.rope_theta = 10000;
    writeFileSync(join(contrast, "config.json"), JSON.stringify(config, null, 2));
    const exported = join(work.path, "onnx-theta-10000");
    await exportOnnx({ model: contrast, out: exported, operators: "standard" });
    const differences = await checkOnnx(exported, "theta 10000", ["long"], false);
    expect(differences.long).toBeGreaterThan(CONTRAST_MINIMUM);
  }, 600_000);
});

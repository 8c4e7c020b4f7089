import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTinyModel, fixtureTokenizerDirectory, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { positionIdsFromMask } from "./causal-language-model.js";
import { exportOnnx } from "./export-onnx.js";
import { EXPORT_METADATA_FILE, EXPORT_OPERATORS } from "./export-operators.js";
import { ExportOptionError } from "./export-option-error.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";

const workspace = temporaryDirectory("graft-eval-contrib-");
afterAll(() => workspace.remove());
const TOLERANCE = 1e-4;
let qwen: string;

// Logits of a (left-padded) batch with explicit position ids, as generate() would pass them.
const REFERENCE = `
import json, sys, torch
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained(sys.argv[1], torch_dtype=torch.float32, attn_implementation="eager").eval()
request = json.loads(sys.argv[2])
with torch.no_grad():
    logits = model(torch.tensor(request["ids"]), attention_mask=torch.tensor(request["mask"]), position_ids=torch.tensor(request["positions"])).logits
print(json.dumps({"logits": logits.flatten().tolist()}))
`;

function referenceLogits(directory: string, ids: number[][], mask: number[][]): Float32Array {
  const positions = positionIdsFromMask(mask, ids[0]!.length);
  return Float32Array.from(runPythonJson<{ logits: number[] }>(REFERENCE, { args: [directory, JSON.stringify({ ids, mask, positions })] }).logits);
}

/** Max |a - b| over the rows (batch, position) where `keep` is true. */
function maxDifference(left: Float32Array, right: Float32Array, vocabulary: number, keep: (row: number) => boolean): number {
  expect(left.length).toBe(right.length);
  let worst = 0;
  for (let row = 0; row < left.length / vocabulary; row += 1) {
    if (!keep(row)) continue;
    for (let index = row * vocabulary; index < (row + 1) * vocabulary; index += 1) worst = Math.max(worst, Math.abs(left[index]! - right[index]!));
  }
  return worst;
}

beforeAll(async () => {
  qwen = join(workspace.path, "qwen2");
  await createTinyModel({
    out: qwen,
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    architecture: "qwen2",
    hiddenSize: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    intermediateSize: 128,
    tieWordEmbeddings: false,
    seed: 11,
    initializerRange: 0.2,
  });
  await exportOnnx({ model: qwen, out: `${qwen}-contrib`, operators: "ort-contrib" });
});

describe("exportOnnx operators: ort-contrib", () => {
  it("emits the fused ONNX Runtime operators (and the standard export none), and names the set in graft-export.json", async () => {
    await exportOnnx({ model: qwen, out: `${qwen}-standard`, operators: "standard" });
    const opTypes = runPythonJson<Record<string, string[]>>(
      `
import json, sys, onnx
print(json.dumps({name: sorted({(node.domain or "ai.onnx") + ":" + node.op_type for node in onnx.load(path).graph.node}) for name, path in zip(["standard", "contrib"], sys.argv[1:])}))
`,
      { args: [join(`${qwen}-standard`, "onnx", "model.onnx"), join(`${qwen}-contrib`, "onnx", "model.onnx")] },
    );
    expect(opTypes.contrib).toEqual(
      expect.arrayContaining([
        "ai.onnx:SimplifiedLayerNormalization",
        "com.microsoft:SkipSimplifiedLayerNormalization",
        "com.microsoft:RotaryEmbedding",
        "com.microsoft:GroupQueryAttention",
      ]),
    );
    expect(opTypes.contrib).not.toContain("ai.onnx:Softmax");
    expect(opTypes.standard!.filter((type) => !type.startsWith("ai.onnx:") || type.includes("Simplified"))).toEqual([]);
    for (const operators of EXPORT_OPERATORS) {
      const metadata = JSON.parse(await readFile(join(`${qwen}-${operators === "ort-contrib" ? "contrib" : "standard"}`, EXPORT_METADATA_FILE), "utf8"));
      expect(metadata).toMatchObject({ operators, opset: 17 });
    }
  });

  it(`left-padded batch: real-token logits within ${TOLERANCE} of transformers, a 2-token continuation of the batch cache (row by row) and two 1-token batched steps match the full pass`, async () => {
    const long = [1, 450, 4996, 17354, 1701, 29916, 432, 17204];
    const short = [1, 15043, 3186];
    const padding = long.length - short.length;
    const ids = [long, [...new Array<number>(padding).fill(0), ...short]];
    const mask = [long.map(() => 1), [...new Array<number>(padding).fill(0), ...short.map(() => 1)]];
    const more = [
      [975, 278],
      [2266, 338],
    ];
    const fullIds = ids.map((row, index) => [...row, ...more[index]!]);
    const fullMask = mask.map((row) => [...row, 1, 1]);
    const reference = referenceLogits(qwen, fullIds, fullMask);
    const model = await OnnxCausalModel.load(`${qwen}-contrib`);
    try {
      const total = fullIds[0]!.length;
      const real = (row: number) => fullMask[Math.floor(row / total)]![row % total] === 1;
      const full = await model.forward({ inputIds: fullIds, attentionMask: fullMask });
      const vocabulary = full.vocabulary;
      expect(maxDifference(full.logits, reference, vocabulary, real)).toBeLessThanOrEqual(TOLERANCE);

      // Prefix, then both rows continue the cache with two tokens (GroupQueryAttention takes that
      // only at batch 1: OnnxCausalModel runs it row by row).
      const prefix = await model.forward({ inputIds: ids, attentionMask: mask });
      const step = await model.forward({ inputIds: more, attentionMask: fullMask, cache: prefix.cache });
      expect(step.cache?.length).toBe(total);
      const lastTwo = Float32Array.from(
        fullIds.flatMap((_, row) => [...reference.subarray((row * total + total - 2) * vocabulary, (row * total + total) * vocabulary)]),
      );
      expect(maxDifference(step.logits, lastTwo, vocabulary, () => true)).toBeLessThanOrEqual(TOLERANCE);

      // The same continuation one token at a time: batch 2 through GroupQueryAttention itself.
      let cache = prefix.cache;
      for (let offset = 2; offset >= 1; offset -= 1) {
        const single = await model.forward({
          inputIds: more.map((row) => [row[2 - offset]!]),
          attentionMask: fullMask.map((row) => row.slice(0, total - offset + 1)),
          cache,
        });
        const expected = Float32Array.from(
          fullIds.flatMap((_, row) => [...reference.subarray((row * total + total - offset) * vocabulary, (row * total + total - offset + 1) * vocabulary)]),
        );
        expect(
          maxDifference(single.logits, expected, vocabulary, () => true),
          `token ${total - offset}`,
        ).toBeLessThanOrEqual(TOLERANCE);
        cache = single.cache;
      }
      expect(cache?.length).toBe(total);
    } finally {
      await model.release();
    }
  });

  const ropeScalings = [
    { name: "linear", rope_scaling: { rope_type: "linear", factor: 4 } },
    { name: "llama3", rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 } },
  ];
  for (const scaling of ropeScalings) {
    it(`RoPE ${scaling.name} scaling: logits within ${TOLERANCE} of transformers with either operator set`, async () => {
      const directory = join(workspace.path, `llama-${scaling.name}`);
      await createTinyModel({
        out: directory,
        tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
        architecture: "llama",
        hiddenSize: 64,
        layers: 2,
        heads: 4,
        kvHeads: 2,
        intermediateSize: 128,
        seed: 3,
        initializerRange: 0.2,
        ropeTheta: 500000,
      });
      const config = JSON.parse(await readFile(join(directory, "config.json"), "utf8"));
      await writeFile(join(directory, "config.json"), JSON.stringify({ ...config, rope_scaling: scaling.rope_scaling }));
      const ids = [[1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203, 29889, 2266, 338, 263, 1243, 310, 29871, 29941]];
      const mask = [ids[0]!.map(() => 1)];
      const reference = referenceLogits(directory, ids, mask);
      for (const operators of EXPORT_OPERATORS) {
        await exportOnnx({ model: directory, out: `${directory}-${operators}`, operators });
        const model = await OnnxCausalModel.load(`${directory}-${operators}`);
        try {
          const { logits, vocabulary } = await model.forward({ inputIds: ids, attentionMask: mask });
          expect(
            maxDifference(logits, reference, vocabulary, () => true),
            operators,
          ).toBeLessThanOrEqual(TOLERANCE);
        } finally {
          await model.release();
        }
      }
    });
  }

  it("positions past max_position_embeddings (the rotary tables' length): a RangeError naming the limit; the standard export runs them", async () => {
    const directory = join(workspace.path, "llama-short");
    await createTinyModel({
      out: directory,
      tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
      architecture: "llama",
      hiddenSize: 64,
      layers: 1,
      heads: 4,
      kvHeads: 2,
      intermediateSize: 128,
      seed: 5,
      maxPositionEmbeddings: 16,
    });
    const ids = [Array.from({ length: 17 }, (_, index) => 100 + index)];
    for (const operators of EXPORT_OPERATORS) {
      await exportOnnx({ model: directory, out: `${directory}-${operators}`, operators });
      const model = await OnnxCausalModel.load(`${directory}-${operators}`);
      try {
        // 16 positions (0..15) fit either export.
        expect((await model.forward({ inputIds: [ids[0]!.slice(0, 16)] })).logits.every(Number.isFinite)).toBe(true);
        if (operators === "standard") {
          expect((await model.forward({ inputIds: ids })).logits.every(Number.isFinite)).toBe(true);
        } else {
          await expect(model.forward({ inputIds: ids })).rejects.toThrow(/position 16 is beyond the 16 positions \(max_position_embeddings\)/);
        }
      } finally {
        await model.release();
      }
    }
  });

  it("rejects an unknown operator set with a typed error naming it", async () => {
    const error = await exportOnnx({ model: qwen, out: join(workspace.path, "never"), operators: "tensorrt" as never }).catch((caught: unknown) => caught);
    expect(ExportOptionError.isInstance(error)).toBe(true);
    expect((error as ExportOptionError).option).toBe("operators");
    expect((error as Error).message).toMatch(/"tensorrt" is not supported; use one of standard, ort-contrib/);
  });
});

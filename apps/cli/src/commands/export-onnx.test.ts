import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_EXPORT_OPERATORS, EXPORT_METADATA_FILE, OnnxCausalModel } from "@graft/eval";
import { writeModelDirectory } from "@graft/hf";
import { createTinyModel, fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
let model: string;
let gemma: string;

beforeAll(async () => {
  model = await createTinyModel({
    out: join(work.path, "tiny"),
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    architecture: "qwen2",
    hiddenSize: 16,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediateSize: 32,
    seed: 7,
  });
  // The same weights under an architecture graft has no graph builder for.
  gemma = join(work.path, "gemma");
  await writeModelDirectory({ source: model, out: gemma, configUpdates: { architectures: ["GemmaForCausalLM"], model_type: "gemma" } });
});
afterAll(() => work.remove());

describe("graft export onnx", () => {
  it("writes the transformers.js layout, and the export runs in onnxruntime", async () => {
    const out = join(work.path, "onnx");
    const result = await graft("export", "onnx", "--model", model, "--out", out);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^wrote .*onnx/model\\.onnx \\(\\d+ nodes, \\d+\\.\\d MiB of weights, ${DEFAULT_EXPORT_OPERATORS} operators\\)\n$`));
    expect(JSON.parse(readFileSync(join(out, EXPORT_METADATA_FILE), "utf8")).operators).toBe(DEFAULT_EXPORT_OPERATORS);
    for (const file of ["onnx/model.onnx", "config.json", "tokenizer.json", "tokenizer_config.json"]) expect(existsSync(join(out, file)), file).toBe(true);
    const session = await OnnxCausalModel.load(out);
    try {
      const { logits, vocabulary } = await session.forward({ inputIds: [[1, 500, 600]] });
      expect(vocabulary).toBe(32000);
      expect(logits.length).toBe(3 * vocabulary);
      expect(logits.every(Number.isFinite)).toBe(true);
    } finally {
      await session.release();
    }
  });

  it("--json prints one export-done event naming the files", async () => {
    const out = join(work.path, "onnx-json");
    const result = await graft("export", "onnx", "--model", model, "--out", out, "--json");
    expect(result.code).toBe(0);
    const done = result.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .at(-1);
    expect(done).toMatchObject({ type: "export-done", modelPath: join(out, "onnx", "model.onnx") });
    expect(done.nodeCount).toBeGreaterThan(10);
  });

  it("--operators ort-contrib writes ONNX Runtime's fused operators (named in graft-export.json), and the export runs in onnxruntime", async () => {
    const out = join(work.path, "onnx-ort-contrib");
    const result = await graft("export", "onnx", "--model", model, "--out", out, "--operators", "ort-contrib");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/, ort-contrib operators\)\n$/);
    expect(JSON.parse(readFileSync(join(out, EXPORT_METADATA_FILE), "utf8")).operators).toBe("ort-contrib");
    expect(readFileSync(join(out, "onnx", "model.onnx")).includes("GroupQueryAttention")).toBe(true);
    const session = await OnnxCausalModel.load(out);
    try {
      expect(session.operators).toBe("ort-contrib");
      const { logits } = await session.forward({ inputIds: [[1, 500, 600]] });
      expect(logits.length).toBe(3 * 32000);
      expect(logits.every(Number.isFinite)).toBe(true);
    } finally {
      await session.release();
    }
  });

  it("--help names both operator sets and the default", async () => {
    const result = await graft("export", "onnx", "--help");
    expect(result.code).toBe(0);
    expect(result.out).toContain("--operators <standard|ort-contrib>");
    expect(result.out).toContain(`(default: "${DEFAULT_EXPORT_OPERATORS}")`);
    expect(result.out).toContain("--operators ort-contrib");
  });

  const failures = [
    {
      name: "an unknown --operators",
      argv: () => ["--model", model, "--out", join(work.path, "onnx-unknown"), "--operators", "tensorrt"],
      code: 2,
      reason: /UsageError: --operators must be one of standard, ort-contrib, got "tensorrt"; see graft export onnx --help/,
    },
    { name: "missing --out", argv: () => ["--model", model], code: 2, reason: /UsageError: missing --out; see graft export onnx --help/ },
    {
      name: "an existing output without --overwrite",
      argv: () => ["--model", model, "--out", join(work.path, "onnx")],
      code: 1,
      reason: /OutputDirectoryExistsError: .*pass `overwrite: true` \(`--overwrite` on the command line\)/,
    },
    {
      name: "an unsupported architecture, named",
      argv: () => ["--model", gemma, "--out", join(work.path, "gemma-onnx")],
      code: 1,
      reason: /UnsupportedArchitectureError: .*"GemmaForCausalLM" is not supported/,
    },
  ];
  for (const testCase of failures) {
    it(`fails with a typed error for ${testCase.name}`, async () => {
      const result = await graft("export", "onnx", ...testCase.argv());
      expect(result.code).toBe(testCase.code);
      expect(result.err).toMatch(testCase.reason);
    });
  }
});

import { existsSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createTinyModel, fixtureTokenizerDirectory, runPython, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { exportOnnx } from "./export-onnx.js";
import { generate } from "./generate.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";

const workspace = temporaryDirectory("graft-eval-tjs-");
afterAll(() => workspace.remove());

const PROMPT_IDS = [1, 450, 4996, 17354, 1701];
const NEW_TOKENS = 16;

describe("exported directory in independent clients", () => {
  it("passes onnx.checker (external data layout) and transformers.js greedy generation equals graft's", async () => {
    const modelDirectory = join(workspace.path, "qwen2");
    await createTinyModel({
      out: modelDirectory,
      tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
      architecture: "qwen2",
      hiddenSize: 64,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      intermediateSize: 128,
      seed: 11,
      initializerRange: 0.2,
    });
    const exported = join(workspace.path, "qwen2-onnx");
    // Threshold 0 forces external data: the layout large models get.
    const result = await exportOnnx({ model: modelDirectory, out: exported, externalDataThresholdBytes: 0 });
    expect(result.externalDataPath).toBe(join(exported, "onnx", "model.onnx_data"));
    expect(statSync(result.externalDataPath!).size).toBe(result.externalBytes);
    expect(result.externalBytes).toBeGreaterThan(result.weightBytes * 0.9);
    for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"])
      expect(existsSync(join(exported, file)), file).toBe(true);

    const checked = runPython(
      `import onnx, sys\nmodel = onnx.load(sys.argv[1])\nonnx.checker.check_model(sys.argv[1], full_check=True)\nprint("ok", len(model.graph.node), [i.name for i in model.graph.input][:4])`,
      { args: [join(exported, "onnx", "model.onnx")] },
    );
    expect(checked).toContain("ok");
    expect(checked).toContain("past_key_values.0.key");

    const model = await OnnxCausalModel.load(exported);
    const ours = await generate(model, PROMPT_IDS, { maxNewTokens: NEW_TOKENS });
    await model.release();

    const transformers = await import("@huggingface/transformers");
    transformers.env.allowRemoteModels = false;
    transformers.env.allowLocalModels = true;
    transformers.env.localModelPath = `${dirname(exported)}/`;
    const client = await transformers.AutoModelForCausalLM.from_pretrained(basename(exported), { dtype: "fp32", device: "cpu" });
    const output = await client.generate({
      input_ids: new transformers.Tensor("int64", BigInt64Array.from(PROMPT_IDS, BigInt), [1, PROMPT_IDS.length]),
      attention_mask: new transformers.Tensor(
        "int64",
        BigInt64Array.from(PROMPT_IDS, () => 1n),
        [1, PROMPT_IDS.length],
      ),
      max_new_tokens: NEW_TOKENS,
      min_new_tokens: NEW_TOKENS,
      do_sample: false,
    });
    const theirs = Array.from((output as { data: BigInt64Array }).data, Number).slice(PROMPT_IDS.length);
    await client.dispose();
    expect(theirs).toEqual(ours.tokenIds);
  });
});

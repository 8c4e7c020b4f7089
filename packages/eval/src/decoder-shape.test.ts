import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, parseModelConfig } from "@graft/hf";
import { createTinyModel, fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { decoderShape } from "./decoder-shape.js";
import { exportOnnx } from "./export-onnx.js";

const workspace = temporaryDirectory("graft-eval-decoder-shape-");
afterAll(() => workspace.remove());

const base = {
  vocab_size: 100,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
};
const shapeOf = (config: Record<string, unknown>) => decoderShape(parseModelConfig(config, "/m/config.json"), "/m/config.json");

function configErrorOf(run: () => unknown): ConfigError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(ConfigError.isInstance(caught), String(caught)).toBe(true);
  return caught as ConfigError;
}

describe("decoderShape: every config field that changes the math", () => {
  it("resolves sliding windows and biases as transformers' class for the model_type does", () => {
    const cases = [
      {
        name: "llama ignores sliding_window",
        config: { model_type: "llama", ...base, sliding_window: 16 },
        windows: [null, null],
        biases: { queryKeyValue: false, output: false, mlp: false },
      },
      {
        name: "llama attention_bias: q, k, v and o",
        config: { model_type: "llama", ...base, attention_bias: true },
        windows: [null, null],
        biases: { queryKeyValue: true, output: true, mlp: false },
      },
      {
        name: "llama mlp_bias",
        config: { model_type: "llama", ...base, mlp_bias: true },
        windows: [null, null],
        biases: { queryKeyValue: false, output: false, mlp: true },
      },
      {
        name: "mistral without the key: 4096 on every layer",
        config: { model_type: "mistral", ...base },
        windows: [4096, 4096],
        biases: { queryKeyValue: false, output: false, mlp: false },
      },
      { name: "mistral sliding_window null", config: { model_type: "mistral", ...base, sliding_window: null }, windows: [null, null] },
      {
        name: "mistral ignores attention_bias",
        config: { model_type: "mistral", ...base, attention_bias: true },
        biases: { queryKeyValue: false, output: false, mlp: false },
      },
      {
        name: "qwen2 default: no window, q/k/v biases",
        config: { model_type: "qwen2", ...base, sliding_window: 4096 },
        windows: [null, null],
        biases: { queryKeyValue: true, output: false, mlp: false },
      },
      {
        name: "qwen2 use_sliding_window from max_window_layers",
        config: { model_type: "qwen2", ...base, use_sliding_window: true, sliding_window: 8, max_window_layers: 1 },
        windows: [null, 8],
      },
      {
        name: "qwen2 layer_types as saved",
        config: { model_type: "qwen2", ...base, use_sliding_window: true, sliding_window: 8, layer_types: ["sliding_attention", "full_attention"] },
        windows: [8, null],
      },
    ];
    for (const testCase of cases) {
      const shape = shapeOf(testCase.config);
      if (testCase.windows) expect(shape.slidingWindows, testCase.name).toEqual(testCase.windows);
      if (testCase.biases) expect(shape.biases, testCase.name).toEqual(testCase.biases);
    }
    expect(shapeOf({ model_type: "llama", ...base, head_dim: 32 }).headDim).toBe(32);
    const sameEverywhere = { rope_type: "default", rope_theta: 1e6 };
    const nested = {
      model_type: "qwen2",
      ...base,
      use_sliding_window: true,
      sliding_window: 8,
      layer_types: ["full_attention", "sliding_attention"],
      rope_parameters: { full_attention: sameEverywhere, sliding_attention: sameEverywhere },
    };
    expect(shapeOf(nested).rope).toEqual(shapeOf({ model_type: "qwen2", ...base, rope_parameters: sameEverywhere }).rope);
    expect(shapeOf({ model_type: "llama", ...base, rms_norm_eps: 1e-5 }).eps).toBe(1e-5);
    expect(shapeOf({ model_type: "llama", ...base, hidden_act: "swish" }).rope.attentionScaling).toBe(1);
  });

  it("refuses what the graph cannot run exactly with a ConfigError naming the field, the value and what to do", () => {
    const cases = [
      {
        name: "dynamic",
        config: { model_type: "llama", ...base, rope_parameters: { rope_type: "dynamic", factor: 2 } },
        field: "rope_parameters.rope_type",
        message: /"dynamic" is not supported: .*state kept between calls.*graft eval --backend python/,
      },
      {
        name: "older dynamic",
        config: { model_type: "llama", ...base, rope_scaling: { type: "dynamic", factor: 2 } },
        field: "rope_scaling.type",
        message: /"dynamic" is not supported/,
      },
      {
        name: "longrope",
        config: { model_type: "llama", ...base, rope_parameters: { rope_type: "longrope", short_factor: [1], long_factor: [1] } },
        field: "rope_parameters.rope_type",
        message: /"longrope" is not supported/,
      },
      {
        name: "unknown type",
        config: { model_type: "llama", ...base, rope_parameters: { rope_type: "su" } },
        field: "rope_parameters.rope_type",
        message: /"su" is not supported: the ONNX exporter does not implement it/,
      },
      {
        name: "linear without factor",
        config: { model_type: "llama", ...base, rope_parameters: { rope_type: "linear" } },
        field: "rope_parameters.factor",
        message: /RoPE type "linear" needs factor/,
      },
      {
        name: "llama3 without low_freq_factor",
        config: { model_type: "llama", ...base, rope_scaling: { rope_type: "llama3", factor: 8, high_freq_factor: 4 } },
        field: "rope_scaling.low_freq_factor",
        message: /needs low_freq_factor/,
      },
      {
        name: "partial rotary",
        config: { model_type: "llama", ...base, partial_rotary_factor: 0.5 },
        field: "partial_rotary_factor",
        message: /0\.5 is not supported: .*rotate the whole head/,
      },
      {
        name: "partial rotary in rope_parameters",
        config: { model_type: "llama", ...base, rope_parameters: { rope_type: "default", partial_rotary_factor: 0.25 } },
        field: "rope_parameters.partial_rotary_factor",
        message: /0\.25/,
      },
      {
        name: "activation",
        config: { model_type: "llama", ...base, hidden_act: "gelu" },
        field: "hidden_act",
        message: /"gelu" is not supported: .*silu.*--backend python/,
      },
      {
        name: "per-layer-type RoPE",
        config: {
          model_type: "qwen2",
          ...base,
          use_sliding_window: true,
          sliding_window: 8,
          layer_types: ["full_attention", "sliding_attention"],
          rope_parameters: { full_attention: { rope_type: "default", rope_theta: 1e6 }, sliding_attention: { rope_type: "default", rope_theta: 1e4 } },
        },
        field: "rope_parameters",
        message: /RoPE differs by layer type \(full_attention, sliding_attention\)/,
      },
      {
        name: "sliding layer without a window",
        config: { model_type: "qwen2", ...base, layer_types: ["full_attention", "sliding_attention"] },
        field: "layer_types",
        message: /layer 1 is "sliding_attention" but no window applies/,
      },
      {
        name: "layer_types length",
        config: { model_type: "qwen2", ...base, layer_types: ["full_attention"] },
        field: "layer_types",
        message: /expected 2 entries/,
      },
      {
        name: "window",
        config: { model_type: "mistral", ...base, sliding_window: 0 },
        field: "sliding_window",
        message: /expected a positive integer or null, got 0/,
      },
      { name: "odd head_dim", config: { model_type: "llama", ...base, head_dim: 15 }, field: "head_dim", message: /15 is odd/ },
      { name: "gemma", config: { model_type: "gemma", ...base }, field: "model_type", message: /"gemma" has no ONNX graph builder/ },
    ];
    for (const testCase of cases) {
      const error = configErrorOf(() => shapeOf(testCase.config));
      expect(error.field, testCase.name).toBe(testCase.field);
      expect(error.message, testCase.name).toMatch(testCase.message);
      expect(error.message, testCase.name).toContain("/m/config.json");
    }
  });

  it("exportOnnx refuses a headless untied model and missing Llama biases before writing anything", async () => {
    const tied = join(workspace.path, "tied");
    await createTinyModel({
      out: tied,
      tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
      architecture: "llama",
      layers: 1,
      tieWordEmbeddings: true,
      seed: 1,
    });
    const configPath = join(tied, "config.json");
    const original = JSON.parse(readFileSync(configPath, "utf8"));
    const cases = [
      { changes: { tie_word_embeddings: false }, field: "tie_word_embeddings", message: /false, but the weights have no lm_head\.weight/ },
      {
        changes: { attention_bias: true },
        field: "attention_bias",
        message: /llama with attention_bias true has biases there, but the weights have no model\.layers\.0\.self_attn\.q_proj\.bias/,
      },
      { changes: { mlp_bias: true }, field: "mlp_bias", message: /no model\.layers\.0\.mlp\.gate_proj\.bias/ },
      { changes: { rope_parameters: { rope_type: "dynamic", factor: 4 } }, field: "rope_parameters.rope_type", message: /"dynamic" is not supported/ },
    ];
    for (const [index, testCase] of cases.entries()) {
      writeFileSync(configPath, JSON.stringify({ ...original, ...testCase.changes }));
      const out = join(workspace.path, `out-${index}`);
      const error = await exportOnnx({ model: tied, out }).catch((caught: unknown) => caught);
      expect(ConfigError.isInstance(error), testCase.field).toBe(true);
      expect((error as ConfigError).field, testCase.field).toBe(testCase.field);
      expect((error as Error).message, testCase.field).toMatch(testCase.message);
      expect(existsSync(out), testCase.field).toBe(false);
    }
  });
});

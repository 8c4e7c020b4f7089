import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { parseModelConfig } from "./model-config.js";

const base = {
  model_type: "llama",
  vocab_size: 100,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  max_position_embeddings: 4096,
};
const llama3 = { factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };

describe("parseModelConfig: RoPE as transformers resolves it", () => {
  it("reads transformers 5's rope_parameters and older rope_theta / rope_scaling alike", () => {
    const cases = [
      { name: "nothing: default, 10000", input: base, expected: { type: "default", theta: 10000, field: "rope_parameters" } },
      {
        name: "transformers 5 default",
        input: { ...base, rope_parameters: { rope_type: "default", rope_theta: 100000 } },
        expected: { type: "default", theta: 100000, field: "rope_parameters" },
      },
      { name: "older: top-level rope_theta", input: { ...base, rope_theta: 100000 }, expected: { type: "default", theta: 100000, field: "rope_theta" } },
      {
        name: "older: rope_theta with rope_scaling null",
        input: { ...base, rope_theta: 500000, rope_scaling: null },
        expected: { type: "default", theta: 500000 },
      },
      {
        name: "transformers 5 llama3",
        input: { ...base, rope_parameters: { rope_type: "llama3", rope_theta: 500000, ...llama3 } },
        expected: {
          type: "llama3",
          theta: 500000,
          factor: 8,
          lowFrequencyFactor: 1,
          highFrequencyFactor: 4,
          originalMaxPositionEmbeddings: 8192,
          field: "rope_parameters",
        },
      },
      {
        name: "older llama3: rope_scaling with rope_type, theta top-level",
        input: { ...base, rope_theta: 500000, rope_scaling: { rope_type: "llama3", ...llama3 } },
        expected: { type: "llama3", theta: 500000, factor: 8, originalMaxPositionEmbeddings: 8192, field: "rope_scaling" },
      },
      {
        name: "older linear: rope_scaling with type",
        input: { ...base, rope_scaling: { type: "linear", factor: 4 } },
        expected: { type: "linear", theta: 10000, factor: 4, field: "rope_scaling" },
      },
      {
        name: "rope_type wins over type",
        input: { ...base, rope_scaling: { type: "linear", rope_type: "dynamic", factor: 2 } },
        expected: { type: "dynamic" },
      },
      {
        name: "rope_scaling wins over rope_parameters",
        input: { ...base, rope_parameters: { rope_type: "default", rope_theta: 1 }, rope_scaling: { type: "linear", factor: 2 } },
        expected: { type: "linear", theta: 10000 },
      },
      {
        name: "the dict's theta wins over the top-level one",
        input: { ...base, rope_theta: 1000, rope_parameters: { rope_type: "default", rope_theta: 2000 } },
        expected: { theta: 2000 },
      },
      {
        name: "yarn: original length falls back to max_position_embeddings",
        input: { ...base, rope_parameters: { rope_type: "yarn", rope_theta: 1e6, factor: 4, beta_fast: 32, mscale: 1, truncate: false } },
        expected: { type: "yarn", originalMaxPositionEmbeddings: 4096, betaFast: 32, mscale: 1, truncate: false },
      },
      {
        name: "a top-level original length wins (Phi-3 style)",
        input: { ...base, original_max_position_embeddings: 2048, rope_parameters: { rope_type: "yarn", factor: 2, original_max_position_embeddings: 1024 } },
        expected: { originalMaxPositionEmbeddings: 2048 },
      },
      { name: "top-level partial_rotary_factor moves in", input: { ...base, partial_rotary_factor: 0.5 }, expected: { partialRotaryFactor: 0.5 } },
    ];
    for (const testCase of cases) expect(parseModelConfig(testCase.input, "config.json").rope, testCase.name).toMatchObject(testCase.expected);
    // The raw keys stay as written.
    expect(parseModelConfig({ ...base, rope_theta: 7 }, "c")).toMatchObject({ rope_theta: 7 });
    expect(parseModelConfig(base, "c").rope_theta).toBeUndefined();
  });

  it("reads Gemma-3's per-layer-type rope_parameters as one setting per layer type", () => {
    const config = parseModelConfig(
      {
        ...base,
        model_type: "gemma",
        layer_types: ["sliding_attention", "full_attention"],
        rope_parameters: {
          full_attention: { rope_type: "linear", factor: 8, rope_theta: 1e6 },
          sliding_attention: { rope_type: "default", rope_theta: 10000 },
        },
      },
      "config.json",
    );
    expect(config.rope).toEqual({
      byLayerType: {
        full_attention: { type: "linear", theta: 1e6, factor: 8, field: "rope_parameters.full_attention" },
        sliding_attention: { type: "default", theta: 10000, field: "rope_parameters.sliding_attention" },
      },
    });
  });

  it("a malformed value is a ConfigError naming the key as written", () => {
    const cases = [
      { input: { ...base, rope_theta: "big" }, field: "rope_theta", message: /expected a positive number, got "big"/ },
      {
        input: { ...base, rope_parameters: { rope_type: "default", rope_theta: -1 } },
        field: "rope_parameters.rope_theta",
        message: /expected a positive number, got -1/,
      },
      { input: { ...base, rope_scaling: { type: "linear", factor: "4" } }, field: "rope_scaling.factor", message: /expected a number, got "4"/ },
      { input: { ...base, rope_scaling: { type: 3 } }, field: "rope_scaling.rope_type", message: /expected a string/ },
      { input: { ...base, rope_scaling: "linear" }, field: "rope_scaling", message: /expected an object or null/ },
      {
        input: { ...base, rope_parameters: { rope_type: "yarn", factor: 2, truncate: "no" } },
        field: "rope_parameters.truncate",
        message: /expected true or false/,
      },
      { input: { ...base, rms_norm_eps: 0 }, field: "rms_norm_eps", message: /expected a positive number, got 0/ },
      { input: { ...base, head_dim: 7.5 }, field: "head_dim", message: /expected a positive integer or null/ },
      { input: { ...base, mlp_bias: "yes" }, field: "mlp_bias", message: /expected true or false/ },
      { input: { ...base, max_position_embeddings: -4 }, field: "max_position_embeddings", message: /expected a positive integer/ },
    ];
    for (const testCase of cases) {
      let caught: unknown;
      try {
        parseModelConfig(testCase.input, "/m/config.json");
      } catch (error) {
        caught = error;
      }
      expect(ConfigError.isInstance(caught), testCase.field).toBe(true);
      expect((caught as ConfigError).field, testCase.field).toBe(testCase.field);
      expect((caught as Error).message, testCase.field).toMatch(testCase.message);
    }
  });
});

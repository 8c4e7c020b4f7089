import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { headDimension, parseModelConfig } from "./model-config.js";

const base = { model_type: "llama", vocab_size: 100, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 };

describe("parseModelConfig", () => {
  it("fills transformers' defaults", () => {
    const cases = [
      {
        name: "llama",
        input: base,
        expected: {
          num_key_value_heads: 4,
          tie_word_embeddings: false,
          attention_bias: false,
          rope: { type: "default", theta: 10000, field: "rope_parameters" },
        },
      },
      { name: "qwen2 has q/k/v biases", input: { ...base, model_type: "qwen2" }, expected: { attention_bias: true } },
      { name: "gemma ties by default", input: { ...base, model_type: "gemma" }, expected: { tie_word_embeddings: true } },
      { name: "GQA kept", input: { ...base, num_key_value_heads: 2 }, expected: { num_key_value_heads: 2 } },
      { name: "per-type max_position_embeddings", input: { ...base, model_type: "mistral" }, expected: { max_position_embeddings: 131072 } },
      { name: "qwen2's max_position_embeddings", input: { ...base, model_type: "qwen2" }, expected: { max_position_embeddings: 32768 } },
      { name: "head_dim null is hidden_size / heads", input: { ...base, head_dim: null }, expected: { head_dim: undefined } },
    ];
    for (const testCase of cases) expect(parseModelConfig(testCase.input, "config.json"), testCase.name).toMatchObject(testCase.expected);
    expect(headDimension(parseModelConfig(base, "c"))).toBe(16);
    expect(headDimension(parseModelConfig({ ...base, head_dim: 32 }, "c"))).toBe(32);
  });

  it("names the field and what is expected", () => {
    const cases = [
      { name: "unsupported type", input: { ...base, model_type: "bert" }, expected: /field "model_type": "bert" is not supported/ },
      { name: "missing size", input: { ...base, hidden_size: undefined }, expected: /field "hidden_size": expected a positive integer/ },
      {
        name: "bad kv heads",
        input: { ...base, num_key_value_heads: 3 },
        expected: /field "num_key_value_heads": 3 must be a positive divisor of num_attention_heads \(4\)/,
      },
      { name: "not an object", input: [1], expected: /not a JSON object/ },
    ];
    for (const testCase of cases) {
      let caught: unknown;
      try {
        parseModelConfig(testCase.input, "/models/x/config.json");
      } catch (error) {
        caught = error;
      }
      expect(ConfigError.isInstance(caught), testCase.name).toBe(true);
      expect((caught as Error).message, testCase.name).toMatch(testCase.expected);
      expect((caught as Error).message, testCase.name).toContain("/models/x/config.json");
    }
  });
});

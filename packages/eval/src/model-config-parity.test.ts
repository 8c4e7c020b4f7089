import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseModelConfig } from "@graft/hf";
import { runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decoderShape } from "./decoder-shape.js";
import { exportOnnx } from "./export-onnx.js";
import { EXPORT_OPERATORS } from "./export-operators.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";
import { PythonCausalModel } from "./python-causal-model.js";

/**
 * Every RoPE shape and math-changing config field the exporter claims, on tiny models that
 * transformers 5 itself builds from the config and saves (so config.json is a real save), and on the
 * same configs rewritten the way older versions wrote them (`rope_theta`, `rope_scaling`). The
 * reference is transformers loading that directory; each case also names config changes whose
 * logits must differ from the reference by far more than the tolerance, so the case can tell.
 */
const workspace = temporaryDirectory("graft-eval-config-parity-");
afterAll(() => workspace.remove());

const TOLERANCE = 1e-3;
/** A contrast must move the logits by at least this much, or the case would not notice the field. */
const CONTRAST_MINIMUM = 10 * TOLERANCE;
const VOCABULARY = 256;
const SEQUENCE = 40;
/** The cache path: this many tokens first, the rest continuing the cache. */
const PREFIX = 24;

const base = {
  vocab_size: VOCABULARY,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
};
const llama3Real = {
  rope_type: "llama3",
  rope_theta: 500000.0,
  factor: 8.0,
  low_freq_factor: 1.0,
  high_freq_factor: 4.0,
  original_max_position_embeddings: 8192,
};
const llama3Short = { ...llama3Real, original_max_position_embeddings: 16 };
const defaultRope = (theta: number) => ({ rope_parameters: { rope_type: "default", rope_theta: theta } });

interface ParityCase {
  name: string;
  /** Passed to transformers' config class of `model_type`. */
  config: Record<string, unknown>;
  /** When set: config.json rewritten as an older transformers wrote it (rope_parameters dropped, these keys set, `drop` removed). */
  legacy?: { set: Record<string, unknown>; drop?: string[] };
  /** Config changes (same weights) that must change the logits. */
  contrasts: Record<string, Record<string, unknown>>;
  /** Also run through PythonCausalModel. */
  python?: boolean;
}

const CASES: ParityCase[] = [
  {
    name: "SmolLM2-135M shape: rope_parameters default, theta 100000, tied, eps 1e-5",
    config: {
      model_type: "llama",
      ...base,
      max_position_embeddings: 8192,
      rms_norm_eps: 1e-5,
      tie_word_embeddings: true,
      rope_parameters: { rope_type: "default", rope_theta: 100000.0 },
    },
    contrasts: { "theta 10000 (what graft read before)": defaultRope(10000) },
    python: true,
  },
  {
    name: "SmolLM2-135M shape, older save: top-level rope_theta 100000",
    config: {
      model_type: "llama",
      ...base,
      max_position_embeddings: 8192,
      rms_norm_eps: 1e-5,
      tie_word_embeddings: true,
      rope_parameters: { rope_type: "default", rope_theta: 100000.0 },
    },
    legacy: { set: { rope_theta: 100000.0, rope_scaling: null } },
    contrasts: { "theta 10000": defaultRope(10000) },
  },
  {
    name: "Llama-3.1-8B shape: llama3 factor 8, low 1, high 4, original 8192, theta 500000",
    config: { model_type: "llama", ...base, max_position_embeddings: 131072, rms_norm_eps: 1e-5, rope_parameters: llama3Real },
    contrasts: { "theta 10000": defaultRope(10000) },
    python: true,
  },
  {
    name: "Llama-3.1-8B shape, older save: rope_theta + rope_scaling (rope_type llama3)",
    config: { model_type: "llama", ...base, max_position_embeddings: 131072, rms_norm_eps: 1e-5, rope_parameters: llama3Real },
    legacy: {
      set: {
        rope_theta: 500000.0,
        rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: "llama3" },
      },
    },
    contrasts: { "theta 10000": defaultRope(10000) },
  },
  {
    name: "llama3 with original_max_position_embeddings 16: positions past both wavelength thresholds",
    config: { model_type: "llama", ...base, rope_parameters: llama3Short },
    contrasts: { "unscaled, same theta": defaultRope(500000) },
  },
  {
    name: "Qwen2.5-7B shape: theta 1e6, q/k/v biases, sliding window off",
    config: {
      model_type: "qwen2",
      ...base,
      max_position_embeddings: 32768,
      rope_parameters: { rope_type: "default", rope_theta: 1000000.0 },
      use_sliding_window: false,
      sliding_window: 131072,
      max_window_layers: 28,
    },
    contrasts: { "theta 10000": defaultRope(10000) },
  },
  {
    name: "Qwen2.5-7B shape, older save: top-level rope_theta 1e6, no layer_types",
    config: {
      model_type: "qwen2",
      ...base,
      max_position_embeddings: 32768,
      rope_parameters: { rope_type: "default", rope_theta: 1000000.0 },
      use_sliding_window: false,
      sliding_window: 131072,
      max_window_layers: 28,
    },
    legacy: { set: { rope_theta: 1000000.0, rope_scaling: null }, drop: ["layer_types"] },
    contrasts: { "theta 10000": defaultRope(10000) },
  },
  {
    name: "linear scaling factor 4 (rope_parameters)",
    config: { model_type: "llama", ...base, rope_parameters: { rope_type: "linear", rope_theta: 10000.0, factor: 4.0 } },
    contrasts: { unscaled: defaultRope(10000) },
  },
  {
    name: "linear scaling factor 4, older save: rope_scaling with type",
    config: { model_type: "llama", ...base, rope_parameters: { rope_type: "linear", rope_theta: 10000.0, factor: 4.0 } },
    legacy: { set: { rope_theta: 10000.0, rope_scaling: { type: "linear", factor: 4.0 } } },
    contrasts: { unscaled: defaultRope(10000) },
  },
  {
    name: "yarn, Qwen2.5 long-context shape: factor 4, original 32768, theta 1e6",
    config: {
      model_type: "qwen2",
      ...base,
      max_position_embeddings: 131072,
      rope_parameters: { rope_type: "yarn", rope_theta: 1000000.0, factor: 4.0, original_max_position_embeddings: 32768 },
    },
    contrasts: { unscaled: defaultRope(1000000) },
    python: true,
  },
  {
    name: "yarn with original 16, older save: rope_scaling type yarn",
    config: { model_type: "llama", ...base, rope_parameters: { rope_type: "yarn", rope_theta: 10000.0, factor: 4.0, original_max_position_embeddings: 16 } },
    legacy: { set: { rope_theta: 10000.0, rope_scaling: { type: "yarn", factor: 4.0, original_max_position_embeddings: 16 } } },
    contrasts: { unscaled: defaultRope(10000) },
  },
  {
    name: "yarn with mscale / mscale_all_dim, betas, no truncation (original 16)",
    config: {
      model_type: "llama",
      ...base,
      rope_parameters: {
        rope_type: "yarn",
        rope_theta: 10000.0,
        factor: 4.0,
        original_max_position_embeddings: 16,
        mscale: 1.0,
        mscale_all_dim: 0.5,
        beta_fast: 16.0,
        beta_slow: 2.0,
        truncate: false,
      },
    },
    contrasts: { unscaled: defaultRope(10000) },
  },
  {
    name: "Llama attention_bias + mlp_bias, head_dim 32 != hidden / heads",
    config: {
      model_type: "llama",
      ...base,
      head_dim: 32,
      attention_bias: true,
      mlp_bias: true,
      rope_parameters: { rope_type: "default", rope_theta: 10000.0 },
    },
    contrasts: { "no biases": { attention_bias: false, mlp_bias: false } },
  },
  {
    name: "Mistral sliding_window 8 (every layer), sequence 40",
    config: { model_type: "mistral", ...base, sliding_window: 8, rope_parameters: { rope_type: "default", rope_theta: 10000.0 } },
    contrasts: { "no window": { sliding_window: null } },
  },
  {
    name: "Qwen2 use_sliding_window, window 8 from layer 1 (max_window_layers 1)",
    config: {
      model_type: "qwen2",
      ...base,
      use_sliding_window: true,
      sliding_window: 8,
      max_window_layers: 1,
      rope_parameters: { rope_type: "default", rope_theta: 10000.0 },
    },
    contrasts: { "no window": { use_sliding_window: false, layer_types: ["full_attention", "full_attention"] } },
  },
];

const REFERENCE = `
import json, sys, torch
from transformers import AutoConfig, AutoModelForCausalLM
request = json.load(open(sys.argv[1]))
prompts = torch.tensor(request["prompts"])
results = []

def logits_of(model):
    with torch.no_grad():
        return model(prompts).logits.float()

for index, case in enumerate(request["cases"]):
    torch.manual_seed(index)
    settings = dict(case["config"])
    config = AutoConfig.for_model(settings.pop("model_type"), **settings)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32, attn_implementation="eager")
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.copy_((1 + 0.1 * torch.randn_like(parameter)) if "norm" in name else 0.2 * torch.randn_like(parameter))
    model.save_pretrained(case["directory"])
    config_path = case["directory"] + "/config.json"
    saved = json.load(open(config_path))
    if case.get("legacy"):
        saved.pop("rope_parameters", None)
        for key in case["legacy"].get("drop", []):
            saved.pop(key, None)
        saved.update(case["legacy"]["set"])
        json.dump(saved, open(config_path, "w"), indent=2)
    reference = AutoModelForCausalLM.from_pretrained(case["directory"], dtype=torch.float32, attn_implementation="eager").eval()
    logits = logits_of(reference)
    rotary = reference.model.rotary_emb
    contrasts = {}
    for name, changes in case["contrasts"].items():
        changed = dict(saved, **changes)
        if "rope_parameters" in changes:
            # An older save's rope_scaling would win over rope_parameters.
            changed.pop("rope_scaling", None)
            changed.pop("rope_theta", None)
        changed_config = AutoConfig.for_model(changed.pop("model_type"), **{k: v for k, v in changed.items() if k not in ("architectures", "transformers_version")})
        other = AutoModelForCausalLM.from_config(changed_config, dtype=torch.float32, attn_implementation="eager").eval()
        other.load_state_dict(reference.state_dict(), strict=False)
        contrasts[name] = (logits_of(other) - logits).abs().max().item()
    results.append({
        "logits": logits.flatten().tolist(),
        "inverse": rotary.inv_freq.tolist(),
        "attention_scaling": float(rotary.attention_scaling),
        "contrasts": contrasts,
    })
print(json.dumps(results))
`;

interface Reference {
  logits: number[];
  inverse: number[];
  attention_scaling: number;
  contrasts: Record<string, number>;
}

/** Two prompts of SEQUENCE ids from a fixed LCG, so every run feeds the same tokens. */
const PROMPTS = [1, 2].map((seed) => {
  let state = seed * 7919;
  return Array.from({ length: SEQUENCE }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % VOCABULARY;
  });
});

function maxDifference(left: Float32Array, right: ArrayLike<number>): number {
  expect(left.length).toBe(right.length);
  let worst = 0;
  for (let index = 0; index < left.length; index += 1) worst = Math.max(worst, Math.abs(left[index]! - right[index]!));
  return worst;
}

/** The reference rows [PREFIX, SEQUENCE) of every prompt, flattened like a cached step's logits. */
function lastRows(reference: number[]): number[] {
  return PROMPTS.flatMap((_, row) => reference.slice((row * SEQUENCE + PREFIX) * VOCABULARY, (row + 1) * SEQUENCE * VOCABULARY));
}

const directoryOf = (index: number) => join(workspace.path, `case-${index}`);
let references: Reference[];

beforeAll(async () => {
  const request = join(workspace.path, "request.json");
  await writeFile(request, JSON.stringify({ prompts: PROMPTS, cases: CASES.map((testCase, index) => ({ ...testCase, directory: directoryOf(index) })) }));
  references = runPythonJson<Reference[]>(REFERENCE, { args: [request], timeoutMs: 600_000 });
}, 600_000);

describe("config parity with transformers (tiny models saved by transformers 5)", () => {
  CASES.forEach((testCase, index) => {
    it(`${testCase.name}: RoPE tables equal transformers', ONNX logits (both operator sets, with and without the cache) within ${TOLERANCE}${testCase.python ? ", Python backend too" : ""}`, async () => {
      const reference = references[index]!;
      const directory = directoryOf(index);
      for (const [name, difference] of Object.entries(reference.contrasts))
        expect(difference, `contrast "${name}" must move the logits`).toBeGreaterThan(CONTRAST_MINIMUM);

      const configPath = join(directory, "config.json");
      const shape = decoderShape(parseModelConfig(JSON.parse(readFileSync(configPath, "utf8")), configPath), configPath);
      expect(shape.rope.inverse.length).toBe(reference.inverse.length);
      for (const [column, value] of shape.rope.inverse.entries()) {
        expect(Math.abs(value - reference.inverse[column]!), `inv_freq[${column}]`).toBeLessThanOrEqual(1e-6 * Math.abs(reference.inverse[column]!));
      }
      expect(shape.rope.attentionScaling).toBeCloseTo(reference.attention_scaling, 6);

      for (const operators of EXPORT_OPERATORS) {
        const exported = `${directory}-${operators}`;
        await exportOnnx({ model: directory, out: exported, operators });
        const model = await OnnxCausalModel.load(exported, { threads: 1 });
        try {
          const full = await model.forward({ inputIds: PROMPTS });
          expect(maxDifference(full.logits, reference.logits), `${operators}, full pass`).toBeLessThanOrEqual(TOLERANCE);
          const prefix = await model.forward({ inputIds: PROMPTS.map((prompt) => prompt.slice(0, PREFIX)) });
          const step = await model.forward({ inputIds: PROMPTS.map((prompt) => prompt.slice(PREFIX)), cache: prefix.cache });
          expect(maxDifference(step.logits, lastRows(reference.logits)), `${operators}, through the cache`).toBeLessThanOrEqual(TOLERANCE);
        } finally {
          await model.release();
        }
      }
      if (testCase.python) {
        const python = await PythonCausalModel.load(directory, { device: "cpu", threads: 1 });
        try {
          expect(maxDifference((await python.forward({ inputIds: PROMPTS })).logits, reference.logits), "python backend").toBeLessThanOrEqual(TOLERANCE);
        } finally {
          await python.release();
        }
      }
    }, 120_000);
  });
});

import { ConfigError, type ModelConfig, type RopeParameters } from "@graft/hf";
import { type RotaryFrequencies, ropeInverseFrequencies } from "./rope-inverse-frequencies.js";

/** Model types the decoder graph implements, with the math transformers' classes for them use. */
export const EXPORTABLE_MODEL_TYPES = ["llama", "mistral", "qwen2"] as const;

/** Activations transformers' `ACT2FN` maps to SiLU, the only MLP activation the graph builds. */
const SILU_NAMES = ["silu", "swish"];

/** Everything about a config that changes the decoder's math, resolved for the graph builders. */
export interface DecoderShape {
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  layers: number;
  eps: number;
  /** Positions the rotary tables of the `ort-contrib` set hold. */
  maxPositions: number;
  rope: RotaryFrequencies;
  /** Per layer: the sliding attention window (a key is seen while query - key < window), or null for full causal attention. */
  slidingWindows: (number | null)[];
  /** Which projections carry a bias tensor, as the model class builds them. */
  biases: { queryKeyValue: boolean; output: boolean; mlp: boolean };
}

function uniformRope(config: ModelConfig, path: string): RopeParameters {
  const rope = config.rope;
  if (!("byLayerType" in rope)) return rope;
  const entries = Object.entries(rope.byLayerType);
  const first = entries[0]?.[1];
  const same = (entry: RopeParameters | null) =>
    entry !== null && first !== null && first !== undefined && JSON.stringify({ ...entry, field: "" }) === JSON.stringify({ ...first, field: "" });
  if (!first || !entries.every(([, entry]) => same(entry))) {
    throw new ConfigError({
      path,
      field: "rope_parameters",
      message: `RoPE differs by layer type (${entries.map(([key]) => key).join(", ")}); the ONNX exporter builds one rotary embedding for every layer (${config.model_type} in transformers does too), so this config cannot be exported exactly`,
    });
  }
  return first;
}

function positiveInteger(value: unknown, path: string, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0)
    throw new ConfigError({ path, field, message: `expected a positive integer or null, got ${JSON.stringify(value)}` });
  return value as number;
}

/**
 * Sliding windows per layer as transformers applies them: Llama never slides; Mistral slides every
 * layer by `sliding_window` (4096 when the key is absent, none when null); Qwen2 slides the layers
 * `layer_types` marks `sliding_attention` (by default those from `max_window_layers` on) by
 * `sliding_window`, and only with `use_sliding_window`.
 */
function slidingWindowsOf(config: ModelConfig, path: string): (number | null)[] {
  const layers = config.num_hidden_layers;
  const windowKey = (): number | null => {
    const value = "sliding_window" in config ? config.sliding_window : 4096;
    return value === null || value === undefined ? null : positiveInteger(value, path, "sliding_window");
  };
  if (config.model_type === "mistral") return new Array<number | null>(layers).fill(windowKey());
  if (config.model_type !== "qwen2") return new Array<number | null>(layers).fill(null);
  const use = config.use_sliding_window ?? false;
  if (typeof use !== "boolean") throw new ConfigError({ path, field: "use_sliding_window", message: `expected true or false, got ${JSON.stringify(use)}` });
  const window = use ? windowKey() : null;
  let layerTypes = config.layer_types as unknown;
  if (layerTypes === undefined || layerTypes === null) {
    const from = config.max_window_layers ?? 28;
    if (!Number.isSafeInteger(from)) throw new ConfigError({ path, field: "max_window_layers", message: `expected an integer, got ${JSON.stringify(from)}` });
    layerTypes = Array.from({ length: layers }, (_, layer) => (window !== null && layer >= (from as number) ? "sliding_attention" : "full_attention"));
  }
  if (!Array.isArray(layerTypes) || layerTypes.length !== layers || !layerTypes.every((type) => type === "full_attention" || type === "sliding_attention")) {
    throw new ConfigError({
      path,
      field: "layer_types",
      message: `expected ${layers} entries, each "full_attention" or "sliding_attention", got ${JSON.stringify(layerTypes)}`,
    });
  }
  return layerTypes.map((type, layer) => {
    if (type !== "sliding_attention") return null;
    if (window === null) {
      throw new ConfigError({
        path,
        field: "layer_types",
        message: `layer ${layer} is "sliding_attention" but no window applies (use_sliding_window ${JSON.stringify(config.use_sliding_window ?? false)}, sliding_window ${JSON.stringify(config.sliding_window ?? null)}); set use_sliding_window and sliding_window, or mark the layer "full_attention"`,
      });
    }
    return window;
  });
}

/**
 * Reads, from a parsed config, every field that changes a Llama / Mistral / Qwen2 decoder's math,
 * as the transformers class of its `model_type` does; a value the graph cannot reproduce exactly
 * (another activation, a partial rotary factor, an unsupported RoPE type, ...) is a ConfigError
 * naming the field (`path` is the config.json it came from).
 */
export function decoderShape(config: ModelConfig, path = "config.json"): DecoderShape {
  const modelType = config.model_type;
  if (!(EXPORTABLE_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new ConfigError({
      path,
      field: "model_type",
      message: `${JSON.stringify(modelType)} has no ONNX graph builder; the exporter builds ${EXPORTABLE_MODEL_TYPES.join(", ")}`,
    });
  }
  const heads = config.num_attention_heads;
  const headDim = config.head_dim ?? config.hidden_size / heads;
  if (headDim % 2 !== 0) throw new ConfigError({ path, field: "head_dim", message: `${headDim} is odd; rotary embeddings rotate pairs of dimensions` });
  const activation = config.hidden_act ?? "silu";
  if (typeof activation !== "string" || !SILU_NAMES.includes(activation)) {
    throw new ConfigError({
      path,
      field: "hidden_act",
      message: `${JSON.stringify(activation)} is not supported: the ONNX exporter builds the SiLU-gated MLP only (hidden_act "silu"); evaluate this model with the Python backend (graft eval --backend python) instead`,
    });
  }
  const rope = uniformRope(config, path);
  // transformers moves a top-level partial_rotary_factor into the RoPE dict unless the dict has one.
  const inDictionary =
    rope.field !== "rope_theta" && (config[rope.field.split(".")[0]!] as Record<string, unknown> | undefined)?.partial_rotary_factor !== undefined;
  const partialRotaryField = config.partial_rotary_factor !== undefined && !inDictionary ? "partial_rotary_factor" : `${rope.field}.partial_rotary_factor`;
  const llamaBias = (field: "attention_bias" | "mlp_bias") => modelType === "llama" && config[field] === true;
  return {
    hidden: config.hidden_size,
    heads,
    kvHeads: config.num_key_value_heads ?? heads,
    headDim,
    layers: config.num_hidden_layers,
    eps: config.rms_norm_eps,
    maxPositions: config.max_position_embeddings,
    rope: ropeInverseFrequencies(rope, headDim, config.max_position_embeddings, path, partialRotaryField),
    slidingWindows: slidingWindowsOf(config, path),
    // Llama follows attention_bias (q, k, v and o) and mlp_bias; Qwen2 always biases q, k, v; Mistral never biases.
    biases: { queryKeyValue: modelType === "qwen2" || llamaBias("attention_bias"), output: llamaBias("attention_bias"), mlp: llamaBias("mlp_bias") },
  };
}

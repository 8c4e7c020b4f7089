import { ConfigError } from "./config-error.js";

/**
 * One RoPE setting, as transformers resolves it from `config.json`. `type` is kept as written
 * (`default`, `linear`, `llama3`, `yarn`, `dynamic`, `longrope`, ...): whoever does the math
 * decides which types it can run exactly.
 */
export interface RopeParameters {
  type: string;
  /** The base (`rope_theta`). */
  theta: number;
  factor?: number;
  /** llama3, yarn, longrope: the pretraining context length the scaling starts from. */
  originalMaxPositionEmbeddings?: number;
  /** llama3. */
  lowFrequencyFactor?: number;
  highFrequencyFactor?: number;
  /** yarn (and longrope): the factor cos/sin are multiplied by; absent: derived from `factor`. */
  attentionFactor?: number;
  /** yarn. */
  betaFast?: number;
  betaSlow?: number;
  mscale?: number;
  mscaleAllDim?: number;
  truncate?: boolean;
  /** The share of each head that is rotated (absent: all of it). */
  partialRotaryFactor?: number;
  /** The config key the setting came from (`rope_parameters`, `rope_parameters.<layer type>`, `rope_scaling` or `rope_theta`), for error messages. */
  field: string;
}

/** RoPE of a config: one setting for every layer, or (Gemma-3 style) one per layer type. */
export type RopeSettings = RopeParameters | { byLayerType: Readonly<Record<string, RopeParameters | null>> };

const NUMBER_KEYS = {
  factor: "factor",
  original_max_position_embeddings: "originalMaxPositionEmbeddings",
  low_freq_factor: "lowFrequencyFactor",
  high_freq_factor: "highFrequencyFactor",
  attention_factor: "attentionFactor",
  beta_fast: "betaFast",
  beta_slow: "betaSlow",
  mscale: "mscale",
  mscale_all_dim: "mscaleAllDim",
  partial_rotary_factor: "partialRotaryFactor",
} as const;

/** Types whose pretraining length transformers fills in from `max_position_embeddings` when absent. */
const TYPES_WITH_ORIGINAL_LENGTH = ["llama3", "yarn", "longrope"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function positiveNumber(value: unknown, path: string, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new ConfigError({ path, field, message: `expected a positive number, got ${JSON.stringify(value)}` });
  return value;
}

function oneSetting(entry: Record<string, unknown>, raw: Record<string, unknown>, field: string, nested: boolean, options: ReadRopeOptions): RopeParameters {
  const { path } = options;
  const type = entry.rope_type ?? entry.type ?? "default";
  if (typeof type !== "string") throw new ConfigError({ path, field: `${field}.rope_type`, message: `expected a string, got ${JSON.stringify(type)}` });
  const thetaField = entry.rope_theta !== undefined && entry.rope_theta !== null ? `${field}.rope_theta` : "rope_theta";
  const theta = positiveNumber(entry.rope_theta ?? raw.rope_theta ?? options.defaultTheta, path, thetaField);
  const setting: RopeParameters = { type, theta, field };
  // Each value with the key it was read from, so that an error names the key as written.
  const values = new Map<string, { value: unknown; where: string }>(Object.entries(entry).map(([key, value]) => [key, { value, where: `${field}.${key}` }]));
  if ((entry.partial_rotary_factor ?? null) === null && raw.partial_rotary_factor !== undefined)
    values.set("partial_rotary_factor", { value: raw.partial_rotary_factor, where: "partial_rotary_factor" });
  if (TYPES_WITH_ORIGINAL_LENGTH.includes(type)) {
    // A top-level original_max_position_embeddings (Phi-3 style) wins over the flat dict's, as in transformers.
    if (!nested && raw.original_max_position_embeddings !== undefined)
      values.set("original_max_position_embeddings", { value: raw.original_max_position_embeddings, where: "original_max_position_embeddings" });
    else if ((entry.original_max_position_embeddings ?? null) === null)
      values.set("original_max_position_embeddings", { value: options.maxPositionEmbeddings, where: "max_position_embeddings" });
  }
  for (const [key, name] of Object.entries(NUMBER_KEYS)) {
    const found = values.get(key);
    if (found === undefined || found.value === null) continue;
    if (typeof found.value !== "number" || !Number.isFinite(found.value))
      throw new ConfigError({ path, field: found.where, message: `expected a number, got ${JSON.stringify(found.value)}` });
    setting[name] = found.value;
  }
  const truncate = entry.truncate ?? null;
  if (truncate !== null) {
    if (typeof truncate !== "boolean")
      throw new ConfigError({ path, field: `${field}.truncate`, message: `expected true or false, got ${JSON.stringify(truncate)}` });
    setting.truncate = truncate;
  }
  return setting;
}

export interface ReadRopeOptions {
  /** The model class's `default_theta` (10,000 for the Llama family). */
  defaultTheta: number;
  maxPositionEmbeddings: number;
  /** config.json's path, for error messages. */
  path: string;
}

/**
 * Reads RoPE as transformers 5 writes it (`rope_parameters`, flat or keyed by layer type) and as
 * older versions did (`rope_theta` and `rope_scaling` with `type` or `rope_type`), resolved the way
 * transformers' `convert_rope_params_to_dict` / `standardize_rope_params` do: a non-empty
 * `rope_scaling` wins over `rope_parameters`; the dict's `rope_theta` over the top-level one, else
 * `defaultTheta`; `rope_type` over `type`, else `default`; a top-level `partial_rotary_factor` is
 * moved in; llama3 / yarn / longrope get `original_max_position_embeddings` (top-level first, else
 * `max_position_embeddings`).
 */
export function readRopeParameters(raw: Record<string, unknown>, options: ReadRopeOptions): RopeSettings {
  const { path } = options;
  let field = "rope_parameters";
  let source: unknown = raw.rope_parameters;
  if (isRecord(raw.rope_scaling) && Object.keys(raw.rope_scaling).length > 0) {
    field = "rope_scaling";
    source = raw.rope_scaling;
  } else if (raw.rope_scaling !== undefined && raw.rope_scaling !== null && !isRecord(raw.rope_scaling)) {
    throw new ConfigError({ path, field: "rope_scaling", message: `expected an object or null, got ${JSON.stringify(raw.rope_scaling)}` });
  }
  if (source === undefined || source === null) {
    source = {};
    field = raw.rope_theta === undefined ? "rope_parameters" : "rope_theta";
  }
  if (!isRecord(source)) throw new ConfigError({ path, field, message: `expected an object, got ${JSON.stringify(source)}` });
  const layerTypes = Array.isArray(raw.layer_types) ? (raw.layer_types as unknown[]) : [];
  const nestedKeys = Object.keys(source).filter((key) => layerTypes.includes(key));
  if (nestedKeys.length === 0) return oneSetting(source, raw, field, false, options);
  const byLayerType: Record<string, RopeParameters | null> = {};
  for (const key of nestedKeys) {
    const entry = source[key];
    if (entry === null) {
      byLayerType[key] = null;
      continue;
    }
    if (!isRecord(entry)) throw new ConfigError({ path, field: `${field}.${key}`, message: `expected an object or null, got ${JSON.stringify(entry)}` });
    byLayerType[key] = oneSetting(entry, raw, `${field}.${key}`, true, options);
  }
  return { byLayerType };
}

import { ConfigError } from "./config-error.js";
import { type RopeSettings, readRopeParameters } from "./read-rope-parameters.js";

/** Model families graft reads and writes (the Llama family and its close kin). */
export const SUPPORTED_MODEL_TYPES = ["llama", "mistral", "qwen2", "gemma", "gemma2"] as const;
export type ModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

/** `config.json` of a Llama-family decoder, typed; unknown keys are kept as they are. */
export interface ModelConfig {
  architectures: string[];
  model_type: ModelType;
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  /** Per-head size; defaults to hidden_size / num_attention_heads. */
  head_dim?: number;
  max_position_embeddings: number;
  rms_norm_eps: number;
  /**
   * RoPE as transformers resolves it from `rope_parameters` (transformers 5) or from `rope_theta`
   * and `rope_scaling` (older saves); those keys stay as written.
   */
  rope: RopeSettings;
  rope_parameters?: Record<string, unknown> | null;
  rope_theta?: number;
  rope_scaling?: Record<string, unknown> | null;
  tie_word_embeddings: boolean;
  /** q/k/v projection biases (Qwen2 always has them). */
  attention_bias?: boolean;
  bos_token_id?: number | null;
  eos_token_id?: number | number[] | null;
  pad_token_id?: number | null;
  torch_dtype?: string;
  [key: string]: unknown;
}

/** What transformers' config classes assume for an absent key. */
const MODEL_TYPE_DEFAULTS: Record<ModelType, { maxPositionEmbeddings: number; tied: boolean }> = {
  llama: { maxPositionEmbeddings: 2048, tied: false },
  mistral: { maxPositionEmbeddings: 131072, tied: false },
  qwen2: { maxPositionEmbeddings: 32768, tied: false },
  gemma: { maxPositionEmbeddings: 8192, tied: true },
  gemma2: { maxPositionEmbeddings: 8192, tied: true },
};
/** transformers' `RotaryEmbeddingConfigMixin.default_theta` (no supported type overrides it). */
const DEFAULT_ROPE_THETA = 10000;

const REQUIRED_INTEGERS = ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads"] as const;

/** Validates and completes a parsed config.json (defaults as transformers applies them). */
export function parseModelConfig(json: unknown, path: string): ModelConfig {
  if (!json || typeof json !== "object" || Array.isArray(json)) throw new ConfigError({ path, field: "(root)", message: "config.json is not a JSON object" });
  const raw = json as Record<string, unknown>;
  const modelType = raw.model_type;
  if (typeof modelType !== "string" || !(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new ConfigError({
      path,
      field: "model_type",
      message: `${JSON.stringify(modelType)} is not supported; graft handles ${SUPPORTED_MODEL_TYPES.join(", ")} (Llama-family decoders)`,
    });
  }
  for (const field of REQUIRED_INTEGERS) {
    const value = raw[field];
    if (!Number.isSafeInteger(value) || (value as number) <= 0)
      throw new ConfigError({ path, field, message: `expected a positive integer, got ${JSON.stringify(value)}` });
  }
  const heads = raw.num_attention_heads as number;
  const kvHeads = raw.num_key_value_heads ?? heads;
  if (!Number.isSafeInteger(kvHeads) || (kvHeads as number) <= 0 || heads % (kvHeads as number) !== 0) {
    throw new ConfigError({
      path,
      field: "num_key_value_heads",
      message: `${JSON.stringify(kvHeads)} must be a positive divisor of num_attention_heads (${heads})`,
    });
  }
  const headDim = raw.head_dim ?? undefined;
  if (headDim === undefined) {
    if ((raw.hidden_size as number) % heads !== 0) {
      throw new ConfigError({
        path,
        field: "hidden_size",
        message: `${raw.hidden_size} is not divisible by num_attention_heads (${heads}) and no head_dim is given`,
      });
    }
  } else if (!Number.isSafeInteger(headDim) || (headDim as number) <= 0) {
    throw new ConfigError({ path, field: "head_dim", message: `expected a positive integer or null, got ${JSON.stringify(headDim)}` });
  }
  const defaults = MODEL_TYPE_DEFAULTS[modelType as ModelType];
  const maxPositions = raw.max_position_embeddings ?? defaults.maxPositionEmbeddings;
  if (!Number.isSafeInteger(maxPositions) || (maxPositions as number) <= 0) {
    throw new ConfigError({ path, field: "max_position_embeddings", message: `expected a positive integer, got ${JSON.stringify(maxPositions)}` });
  }
  const eps = raw.rms_norm_eps ?? 1e-6;
  if (typeof eps !== "number" || !Number.isFinite(eps) || eps <= 0)
    throw new ConfigError({ path, field: "rms_norm_eps", message: `expected a positive number, got ${JSON.stringify(eps)}` });
  for (const field of ["tie_word_embeddings", "attention_bias", "mlp_bias"]) {
    const value = raw[field];
    if (value !== undefined && value !== null && typeof value !== "boolean")
      throw new ConfigError({ path, field, message: `expected true or false, got ${JSON.stringify(value)}` });
  }
  const rope = readRopeParameters(raw, { defaultTheta: DEFAULT_ROPE_THETA, maxPositionEmbeddings: maxPositions as number, path });
  return {
    ...raw,
    architectures: Array.isArray(raw.architectures) ? (raw.architectures as string[]) : [],
    model_type: modelType as ModelType,
    num_key_value_heads: kvHeads as number,
    head_dim: headDim as number | undefined,
    max_position_embeddings: maxPositions as number,
    rms_norm_eps: eps,
    rope,
    tie_word_embeddings: (raw.tie_word_embeddings as boolean | null | undefined) ?? defaults.tied,
    attention_bias: (raw.attention_bias as boolean | null | undefined) ?? modelType === "qwen2",
  } as ModelConfig;
}

/** Per-head size of a config (head_dim, else hidden_size / heads). */
export function headDimension(config: ModelConfig): number {
  return config.head_dim ?? config.hidden_size / config.num_attention_heads;
}

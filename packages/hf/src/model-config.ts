import { ConfigError } from "./config-error.js";

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
  rope_theta: number;
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
    if (!Number.isSafeInteger(value) || (value as number) <= 0) throw new ConfigError({ path, field, message: `expected a positive integer, got ${JSON.stringify(value)}` });
  }
  const heads = raw.num_attention_heads as number;
  const kvHeads = raw.num_key_value_heads ?? heads;
  if (!Number.isSafeInteger(kvHeads) || (kvHeads as number) <= 0 || heads % (kvHeads as number) !== 0) {
    throw new ConfigError({ path, field: "num_key_value_heads", message: `${JSON.stringify(kvHeads)} must be a positive divisor of num_attention_heads (${heads})` });
  }
  const headDim = raw.head_dim ?? undefined;
  if (headDim === undefined && (raw.hidden_size as number) % heads !== 0) {
    throw new ConfigError({ path, field: "hidden_size", message: `${raw.hidden_size} is not divisible by num_attention_heads (${heads}) and no head_dim is given` });
  }
  const defaultTied = modelType === "gemma" || modelType === "gemma2";
  return {
    ...raw,
    architectures: Array.isArray(raw.architectures) ? (raw.architectures as string[]) : [],
    model_type: modelType as ModelType,
    num_key_value_heads: kvHeads as number,
    max_position_embeddings: (raw.max_position_embeddings as number) ?? 2048,
    rms_norm_eps: (raw.rms_norm_eps as number) ?? 1e-6,
    rope_theta: (raw.rope_theta as number) ?? 10000,
    tie_word_embeddings: (raw.tie_word_embeddings as boolean) ?? defaultTied,
    attention_bias: (raw.attention_bias as boolean) ?? modelType === "qwen2",
  } as ModelConfig;
}

/** Per-head size of a config (head_dim, else hidden_size / heads). */
export function headDimension(config: ModelConfig): number {
  return config.head_dim ?? config.hidden_size / config.num_attention_heads;
}

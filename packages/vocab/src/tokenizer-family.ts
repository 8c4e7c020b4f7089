import type { TokenizerJson } from "@graft/hf";
import { UnsupportedTokenizerError } from "./unsupported-tokenizer-error.js";

/** `byte-level`: GPT-2 alphabet tokens (Llama-3, Qwen2.5). `sentencepiece`: "▁" words with `<0xNN>` byte fallback (Llama-2, Mistral, Gemma). */
export type TokenizerFamily = "byte-level" | "sentencepiece";

function mentionsByteLevel(step: unknown): boolean {
  if (!step || typeof step !== "object") return false;
  const config = step as { type?: string; pretokenizers?: unknown[] };
  return config.type === "ByteLevel" || (config.pretokenizers ?? []).some(mentionsByteLevel);
}

/** The family of a BPE tokenizer.json, or an UnsupportedTokenizerError naming its model type. */
export function tokenizerFamily(json: TokenizerJson, path = "tokenizer.json"): TokenizerFamily {
  const model = json.model as { type?: string; byte_fallback?: boolean; vocab?: unknown; merges?: unknown } | undefined;
  const modelType = model?.type ?? "unknown";
  if (modelType !== "BPE") throw new UnsupportedTokenizerError({ path, modelType });
  if (mentionsByteLevel(json.pre_tokenizer)) return "byte-level";
  if (model?.byte_fallback) return "sentencepiece";
  throw new UnsupportedTokenizerError({
    path,
    modelType: "BPE",
    reason: "neither a ByteLevel pre-tokenizer nor byte_fallback: characters outside the vocabulary would become <unk>",
  });
}

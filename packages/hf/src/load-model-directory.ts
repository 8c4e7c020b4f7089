import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ShardedSafetensorsReader } from "@graft/safetensors";
import { type ModelConfig, parseModelConfig } from "./model-config.js";
import { ModelDirectoryError } from "./model-directory-error.js";

/** A Hugging Face model directory, with its weights opened lazily. */
export interface ModelDirectory {
  path: string;
  config: ModelConfig;
  /** tokenizer_config.json (empty when absent). */
  tokenizerConfig: Record<string, unknown>;
  /** From tokenizer_config.json's `chat_template` (the default one when it is a named list) or `chat_template.jinja`. */
  chatTemplate?: string;
  generationConfig?: Record<string, unknown>;
  weights: ShardedSafetensorsReader;
}

export interface EmbeddingInfo {
  inputName: string;
  /** `lm_head.weight`, or undefined when tied to the input embeddings. */
  outputName?: string;
  tied: boolean;
  /** Rows of the embedding matrix (may exceed the tokenizer's size: padding rows). */
  rows: number;
  hiddenSize: number;
}

async function readJson(path: string, what: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new ModelDirectoryError({ path, message: `${what} is not valid JSON (${(error as Error).message})`, cause: error });
  }
}

/** The chat template transformers would use: a string, or the entry named "default" of a list. */
export function chatTemplateOf(tokenizerConfig: Record<string, unknown>): string | undefined {
  const template = tokenizerConfig.chat_template;
  if (typeof template === "string") return template;
  if (Array.isArray(template)) {
    const entries = template as { name?: string; template?: string }[];
    return (entries.find((entry) => entry.name === "default") ?? entries[0])?.template;
  }
  return undefined;
}

/** Opens config.json, tokenizer_config.json, generation_config.json, the chat template and the weights. */
export async function loadModelDirectory(directory: string): Promise<ModelDirectory> {
  const configPath = join(directory, "config.json");
  if (!existsSync(configPath)) {
    throw new ModelDirectoryError({ path: directory, message: "no config.json: is this a Hugging Face model directory (save_pretrained output)?" });
  }
  const config = parseModelConfig(await readJson(configPath, "config.json"), configPath);
  const tokenizerConfigPath = join(directory, "tokenizer_config.json");
  const tokenizerConfig = existsSync(tokenizerConfigPath) ? await readJson(tokenizerConfigPath, "tokenizer_config.json") : {};
  const jinjaPath = join(directory, "chat_template.jinja");
  const chatTemplate = existsSync(jinjaPath) ? await readFile(jinjaPath, "utf8") : chatTemplateOf(tokenizerConfig);
  const generationPath = join(directory, "generation_config.json");
  const generationConfig = existsSync(generationPath) ? await readJson(generationPath, "generation_config.json") : undefined;
  const weights = await ShardedSafetensorsReader.open(directory);
  return { path: directory, config, tokenizerConfig, chatTemplate, generationConfig, weights };
}

/** Where a model's embeddings live, whether the head is tied, and how many rows there are. */
export async function embeddingInfo(model: ModelDirectory): Promise<EmbeddingInfo> {
  const inputName = "model.embed_tokens.weight";
  if (!model.weights.has(inputName)) {
    throw new ModelDirectoryError({
      path: model.path,
      message: `no tensor ${inputName}; graft supports Llama-family checkpoints with transformers' tensor names`,
    });
  }
  const input = await model.weights.info(inputName);
  const hasHead = model.weights.has("lm_head.weight");
  // transformers ignores a saved lm_head when the config ties it; a missing head means tied too.
  const tied = model.config.tie_word_embeddings || !hasHead;
  return { inputName, outputName: tied ? undefined : "lm_head.weight", tied, rows: input.shape[0], hiddenSize: input.shape[1] };
}

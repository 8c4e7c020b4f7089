import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { chatTemplateOf } from "@graft/hf";
import { ChatTemplateError } from "./chat-template-error.js";

/** A chat template and the special-token values transformers passes to it. */
export interface ChatTemplate {
  source: string;
  /** Where the template came from (file path, or `tokenizer_config.json`). */
  origin: string;
  /** bos_token, eos_token, unk_token, pad_token, additional_special_tokens as transformers gives them. */
  specialTokens: Record<string, unknown>;
}

function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string") return (value as { content: string }).content;
  return undefined;
}

/** The special-token strings of a tokenizer_config.json, as template variables. */
export function templateSpecialTokens(tokenizerConfig: Record<string, unknown>): Record<string, unknown> {
  const tokens: Record<string, unknown> = {};
  for (const key of ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"]) {
    const content = tokenContent(tokenizerConfig[key]);
    if (content !== undefined) tokens[key] = content;
  }
  const additional = tokenizerConfig.additional_special_tokens;
  if (Array.isArray(additional)) tokens.additional_special_tokens = additional.map(tokenContent).filter((value) => value !== undefined);
  return tokens;
}

/**
 * The chat template of a model directory: `templateFile` when given, else `chat_template.jinja`,
 * else tokenizer_config.json's `chat_template` (the "default" one of a named list).
 */
export async function loadChatTemplate(modelDirectory: string, options: { templateFile?: string } = {}): Promise<ChatTemplate> {
  const configPath = join(modelDirectory, "tokenizer_config.json");
  const tokenizerConfig = existsSync(configPath) ? (JSON.parse(await readFile(configPath, "utf8")) as Record<string, unknown>) : {};
  const specialTokens = templateSpecialTokens(tokenizerConfig);
  if (options.templateFile) {
    if (!existsSync(options.templateFile)) throw new ChatTemplateError({ path: options.templateFile, message: "template file not found" });
    return { source: await readFile(options.templateFile, "utf8"), origin: options.templateFile, specialTokens };
  }
  const jinja = join(modelDirectory, "chat_template.jinja");
  if (existsSync(jinja)) return { source: await readFile(jinja, "utf8"), origin: jinja, specialTokens };
  const source = chatTemplateOf(tokenizerConfig);
  if (!source) {
    throw new ChatTemplateError({
      path: modelDirectory,
      message:
        "the model has no chat template (none in tokenizer_config.json, no chat_template.jinja). Pass one with --template FILE (a Jinja file), or use --format plain.",
    });
  }
  return { source, origin: configPath, specialTokens };
}

import type { ChatTemplate } from "@graft/chat-tags";
import { renderChatTemplate } from "@graft/chat-tags";
import type { GraftTokenizer } from "@graft/hf";
import type { CausalLanguageModel } from "./causal-language-model.js";
import { type GenerateResult, generate } from "./generate.js";
import { generateBatch } from "./generate-batch.js";

export interface ChatReplyOptions {
  maxNewTokens: number;
  /** Ids that end the reply (EOS, end-of-turn); see `stopTokenIdsOf`. */
  stopTokenIds: readonly number[];
  temperature?: number;
  topP?: number;
  seed?: number;
}

export interface ChatRepliesOptions extends ChatReplyOptions {
  /** Prompts generated together (left padding + KV cache; default 16). */
  batchSize?: number;
}

/** The ids that end a turn: generation_config's `eos_token_id` (one or many), the tokenizer's EOS, and special added tokens named like end-of-turn markers. */
export function stopTokenIdsOf(tokenizer: GraftTokenizer, generationConfig?: Record<string, unknown>): number[] {
  const ids = new Set<number>();
  const configured = generationConfig?.eos_token_id;
  for (const id of Array.isArray(configured) ? configured : configured === undefined ? [] : [configured]) if (typeof id === "number") ids.add(id);
  if (tokenizer.specialTokens.eos) ids.add(tokenizer.specialTokens.eos.id);
  for (const token of tokenizer.addedTokens) if (token.special && /eot|end_of_turn|im_end|<\/s>|end_of_text/i.test(token.content)) ids.add(token.id);
  return [...ids];
}

function chatPromptIds(tokenizer: GraftTokenizer, template: ChatTemplate, prompt: string): number[] {
  const rendered = renderChatTemplate(template, { messages: [{ role: "user", content: prompt }], addGenerationPrompt: true });
  return tokenizer.encode(rendered, { addSpecialTokens: false });
}

/** One user turn through the model's own chat template (with the generation prompt), answered greedily by default. */
export async function chatReply(
  model: CausalLanguageModel,
  tokenizer: GraftTokenizer,
  template: ChatTemplate,
  prompt: string,
  options: ChatReplyOptions,
): Promise<{ text: string; result: GenerateResult }> {
  const result = await generate(model, chatPromptIds(tokenizer, template, prompt), options);
  return { text: tokenizer.decode(result.tokenIds, { skipSpecialTokens: true }), result };
}

/** `chatReply` for many prompts, generated in batches (`generateBatch`); replies in the prompts' order. */
export async function chatReplies(
  model: CausalLanguageModel,
  tokenizer: GraftTokenizer,
  template: ChatTemplate,
  prompts: readonly string[],
  options: ChatRepliesOptions,
): Promise<{ text: string; result: GenerateResult }[]> {
  const results = await generateBatch(
    model,
    prompts.map((prompt) => chatPromptIds(tokenizer, template, prompt)),
    options,
  );
  return results.map((result) => ({ text: tokenizer.decode(result.tokenIds, { skipSpecialTokens: true }), result }));
}

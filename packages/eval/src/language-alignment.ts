import { readFile } from "node:fs/promises";
import type { ChatTemplate } from "@graft/chat-tags";
import type { LanguageIdentifier } from "@graft/corpus";
import type { GraftTokenizer } from "@graft/hf";
import type { CausalLanguageModel } from "./causal-language-model.js";
import { chatReplies } from "./chat-reply.js";
import { PromptFileError } from "./prompt-file-error.js";
import { type RateInterval, wilsonInterval } from "./wilson-interval.js";

/** A prompt set: chat prompts in one language (JSONL lines with `prompt` and `lang`). */
export interface PromptSet {
  language: string;
  prompts: string[];
}

/** Reads a prompts JSONL file (`{"prompt": "...", "lang": "ru"}` per line); the language is the lines' `lang`. */
export async function readPromptSet(path: string, limit = Number.POSITIVE_INFINITY): Promise<PromptSet> {
  const prompts: string[] = [];
  let language: string | undefined;
  (await readFile(path, "utf8")).split("\n").forEach((text, index) => {
    if (!text.trim()) return;
    const line = index + 1;
    let record: { prompt?: unknown; lang?: unknown };
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw new PromptFileError({ path, line, message: `not valid JSON (${(error as Error).message})` });
    }
    if (typeof record.prompt !== "string" || record.prompt.trim() === "")
      throw new PromptFileError({ path, line, message: '"prompt" must be a non-empty string' });
    if (typeof record.lang !== "string" || record.lang === "")
      throw new PromptFileError({ path, line, message: '"lang" must be a language code such as "ru"' });
    language ??= record.lang;
    if (record.lang !== language) throw new PromptFileError({ path, line, message: `"lang" is "${record.lang}" but earlier lines are "${language}"` });
    prompts.push(record.prompt);
  });
  if (!language) throw new PromptFileError({ path, line: 1, message: "the file has no prompts" });
  return { language, prompts: prompts.slice(0, limit) };
}

export interface AlignmentResult {
  /** Share of replies fastText identifies as the prompt's language. */
  share: number;
  count: number;
  /** Share of replies that ended with an end-of-turn/EOS token before the length limit. */
  endedTurn: number;
  /** `share` with its 95% Wilson interval. */
  shareInterval: RateInterval;
  /** `endedTurn` with its 95% Wilson interval. */
  endedTurnInterval: RateInterval;
  examples: { prompt: string; reply: string; language: string }[];
}

/** Replies shown in the report per prompt language. */
const EXAMPLES_KEPT = 3;

/**
 * Language alignment as InsCP measures it: chat prompts in a language, the model's reply through
 * its chat template, fastText language ID of the reply; the share in the prompt's language.
 */
export async function languageAlignment(options: {
  model: CausalLanguageModel;
  tokenizer: GraftTokenizer;
  template: ChatTemplate;
  promptSet: PromptSet;
  identify: LanguageIdentifier;
  maxNewTokens: number;
  stopTokenIds: readonly number[];
  /** Prompts generated together (default 16); the replies do not depend on it. */
  batchSize?: number;
}): Promise<AlignmentResult> {
  let aligned = 0;
  let ended = 0;
  const examples: AlignmentResult["examples"] = [];
  const prompts = options.promptSet.prompts;
  const replies = await chatReplies(options.model, options.tokenizer, options.template, prompts, {
    maxNewTokens: options.maxNewTokens,
    stopTokenIds: options.stopTokenIds,
    batchSize: options.batchSize,
  });
  for (const [index, { text, result }] of replies.entries()) {
    const { language } = await options.identify(text);
    if (language === options.promptSet.language) aligned += 1;
    if (result.stoppedBy === "stop-token") ended += 1;
    if (examples.length < EXAMPLES_KEPT) examples.push({ prompt: prompts[index]!, reply: text, language });
  }
  const count = prompts.length;
  const shareInterval = wilsonInterval(aligned, count);
  const endedTurnInterval = wilsonInterval(ended, count);
  return { share: shareInterval.rate, count, endedTurn: endedTurnInterval.rate, shareInterval, endedTurnInterval, examples };
}

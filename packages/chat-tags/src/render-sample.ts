import { ChatTemplateError } from "./chat-template-error.js";
import type { ChatTemplate } from "./load-chat-template.js";
import { renderChatTemplate } from "./render-chat-template.js";
import type { ChatSample } from "./sample-formats.js";

export interface RenderedSample {
  format: ChatSample["format"];
  text: string;
  /** Character ranges [start, end) of assistant content plus its end-of-turn token. */
  assistantSpans: [number, number][];
  metadata?: Record<string, unknown>;
}

export interface RenderSampleOptions {
  /** Special-token strings that can end a turn (eos, <|eot_id|>, <|im_end|>...); the longest match right after the content is taken. */
  endOfTurnTokens: readonly string[];
  /** For `plain`: appended after the text (the tokenizer's EOS). */
  eosToken?: string;
}

/**
 * Renders a sample through the chat template and finds each assistant message's content in the
 * output (as given or trimmed, since templates may trim), extended by the end-of-turn token that
 * follows it. InsCP formats are cut right after the last assistant turn's end-of-turn token, so
 * a template that always appends a generation prompt (Llama-3's first template) adds nothing.
 */
export function renderSample(template: ChatTemplate | undefined, sample: ChatSample, options: RenderSampleOptions): RenderedSample {
  if (sample.format === "plain") {
    const text = `${sample.text ?? ""}${options.eosToken ?? ""}`;
    return { format: sample.format, text, assistantSpans: [[0, text.length]], metadata: sample.metadata };
  }
  if (!template) throw new ChatTemplateError({ message: `format ${sample.format} needs a chat template` });
  const messages = sample.messages ?? [];
  const rendered = renderChatTemplate(template, { messages, addGenerationPrompt: false });
  const endings = [...options.endOfTurnTokens].sort((a, b) => b.length - a.length);
  const spans: [number, number][] = [];
  let cursor = 0;
  for (const message of messages) {
    if (message.role !== "assistant") continue;
    const candidates = [message.content, message.content.trim()].filter((candidate, index, all) => candidate.length > 0 && all.indexOf(candidate) === index);
    let start = -1;
    let content = "";
    for (const candidate of candidates) {
      start = rendered.indexOf(candidate, cursor);
      if (start >= 0) {
        content = candidate;
        break;
      }
    }
    if (start < 0) {
      if (message.content.trim() === "") continue;
      throw new ChatTemplateError({
        message:
          "an assistant message's content does not appear in the rendered template; the template rewrites content, so assistant masks cannot be computed (use --mask all)",
      });
    }
    let end = start + content.length;
    const ending = endings.find((token) => rendered.startsWith(token, end));
    if (ending) end += ending.length;
    spans.push([start, end]);
    cursor = end;
  }
  const inscp = sample.format === "inscp-document" || sample.format === "inscp-pair";
  const text = inscp && spans.length > 0 ? rendered.slice(0, spans[spans.length - 1][1]) : rendered;
  return { format: sample.format, text, assistantSpans: spans, metadata: sample.metadata };
}

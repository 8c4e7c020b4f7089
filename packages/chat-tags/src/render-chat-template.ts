import { Template } from "@huggingface/jinja";
import { ChatTemplateError } from "./chat-template-error.js";
import type { ChatTemplate } from "./load-chat-template.js";

export interface ChatMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

export interface RenderOptions {
  messages: readonly ChatMessage[];
  addGenerationPrompt?: boolean;
  tools?: readonly unknown[];
  /** Extra template variables (e.g. `date_string`, `enable_thinking`). */
  variables?: Record<string, unknown>;
}

/** Compiled templates, keyed by source: parsing dominates rendering of short samples. */
const compiled = new Map<string, Template>();
const MAX_COMPILED_TEMPLATES = 32;

/**
 * transformers' `{% generation %}…{% endgeneration %}` marks assistant tokens; @huggingface/jinja
 * does not know the tag, so it becomes an always-true `if` (keeping its whitespace control).
 * Masks come from the rendered content spans, which agree with the tag (tested).
 */
function withoutGenerationTags(source: string): string {
  return source.replace(/\{%(-?)\s*generation\s*(-?)%\}/g, "{%$1 if true $2%}").replace(/\{%(-?)\s*endgeneration\s*(-?)%\}/g, "{%$1 endif $2%}");
}

function compile(source: string): Template {
  let template = compiled.get(source);
  if (!template) {
    template = new Template(withoutGenerationTags(source));
    if (compiled.size >= MAX_COMPILED_TEMPLATES) compiled.delete(compiled.keys().next().value as string);
    compiled.set(source, template);
  }
  return template;
}

/**
 * Renders a chat template with the context transformers' `apply_chat_template` gives
 * (messages, add_generation_prompt, tools, special tokens, raise_exception, strftime_now):
 * byte-identical output (tested against transformers).
 */
export function renderChatTemplate(template: ChatTemplate, options: RenderOptions): string {
  const context: Record<string, unknown> = {
    ...template.specialTokens,
    messages: options.messages,
    add_generation_prompt: options.addGenerationPrompt ?? false,
    ...options.variables,
  };
  if (options.tools) context.tools = options.tools;
  try {
    return compile(template.source).render(context);
  } catch (error) {
    // raise_exception and strftime_now are @huggingface/jinja built-ins, as in transformers.
    throw new ChatTemplateError({ path: template.origin, message: `the chat template failed: ${(error as Error).message}`, cause: error });
  }
}

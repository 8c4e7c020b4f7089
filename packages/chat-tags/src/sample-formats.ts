import type { ChatMessage } from "./render-chat-template.js";

/** The sample formats: the InsCP paper's two, a plain pass-through of conversations, and orgCP. */
export const SAMPLE_FORMATS = ["inscp-document", "inscp-pair", "conversation", "plain"] as const;
export type SampleFormat = (typeof SAMPLE_FORMATS)[number];

/** A sample before rendering: messages for templated formats, raw text for `plain`. */
export interface ChatSample {
  format: SampleFormat;
  messages?: ChatMessage[];
  text?: string;
  metadata?: Record<string, unknown>;
}

/** InsCP (the paper): an empty user turn, the document as the assistant turn, no system prompt. */
export function inscpDocument(document: string, metadata?: Record<string, unknown>): ChatSample {
  return {
    format: "inscp-document",
    messages: [
      { role: "user", content: "" },
      { role: "assistant", content: document },
    ],
    metadata,
  };
}

/**
 * InsCP for an instruction pair: the question alone and the answer alone, each wrapped as an
 * InsCP document (the paper's setting); `keepExchange` keeps one user/assistant exchange instead.
 */
export function inscpPair(
  pair: { question: string; answer: string },
  options: { keepExchange?: boolean; metadata?: Record<string, unknown> } = {},
): ChatSample[] {
  if (options.keepExchange) {
    return [
      {
        format: "inscp-pair",
        messages: [
          { role: "user", content: pair.question },
          { role: "assistant", content: pair.answer },
        ],
        metadata: options.metadata,
      },
    ];
  }
  return [pair.question, pair.answer].map((content, part) => ({
    format: "inscp-pair" as const,
    messages: [
      { role: "user", content: "" },
      { role: "assistant", content },
    ],
    metadata: { ...options.metadata, part: part === 0 ? "question" : "answer" },
  }));
}

/** A multi-turn conversation passed through (system prompt allowed). */
export function conversation(messages: ChatMessage[], metadata?: Record<string, unknown>): ChatSample {
  return { format: "conversation", messages, metadata };
}

/** Raw text + EOS: the paper's orgCP baseline (no template). */
export function plain(text: string, metadata?: Record<string, unknown>): ChatSample {
  return { format: "plain", text, metadata };
}

import type { GraftTokenizer } from "@graft/hf";
import { ChatTemplateError } from "./chat-template-error.js";
import type { RenderedSample } from "./render-sample.js";
import { byteOffsetOf, tokenByteOffsets } from "./token-byte-offsets.js";

/** `all`: every token is a label (the paper). `assistant`: assistant content + its end-of-turn token only. */
export type MaskMode = "all" | "assistant";

export interface TokenizedSample {
  format: RenderedSample["format"];
  text: string;
  ids: number[];
  /** 1 = the token is a training label. */
  mask: number[];
  metadata?: Record<string, unknown>;
}

/**
 * Tokenizes a rendered sample as transformers' `apply_chat_template(tokenize=True)` does (no
 * special tokens added: the template already wrote BOS, so there is never a double BOS). `plain`
 * samples get the tokenizer's own special tokens (BOS) since no template wrote them.
 */
export function tokenizeSample(tokenizer: GraftTokenizer, sample: RenderedSample, mode: MaskMode = "all"): TokenizedSample {
  const ids = tokenizer.encode(sample.text, { addSpecialTokens: sample.format === "plain" });
  if (mode === "all" || sample.format === "plain") return { format: sample.format, text: sample.text, ids, mask: ids.map(() => 1), metadata: sample.metadata };
  const offsets = tokenByteOffsets(tokenizer, sample.text, ids);
  if (!offsets) {
    throw new ChatTemplateError({
      message:
        "the tokens do not spell the rendered text (the tokenizer's normalizer changes it), so assistant masks cannot be placed; normalise the text first (NFC) or use --mask all",
    });
  }
  const spans = sample.assistantSpans.map(([start, end]) => [byteOffsetOf(sample.text, start), byteOffsetOf(sample.text, end)] as const);
  const mask = offsets.map(([start, end]) => (spans.some(([spanStart, spanEnd]) => start < spanEnd && end > spanStart && end > start) ? 1 : 0));
  return { format: sample.format, text: sample.text, ids, mask, metadata: sample.metadata };
}

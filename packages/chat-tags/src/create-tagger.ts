import { type GraftTokenizer, loadTokenizer } from "@graft/hf";
import { ChatTemplateError } from "./chat-template-error.js";
import { type ChatTemplate, loadChatTemplate } from "./load-chat-template.js";
import { type RenderedSample, renderSample } from "./render-sample.js";
import type { ChatSample } from "./sample-formats.js";
import { SampleTooLongError } from "./sample-too-long-error.js";
import { splitDocument } from "./split-document.js";
import { type MaskMode, type TokenizedSample, tokenizeSample } from "./tokenize-sample.js";

export interface TaggerOptions {
  modelDirectory: string;
  /** A Jinja file to use instead of the model's template. */
  templateFile?: string;
  mask?: MaskMode;
  /** Split long single-document samples so each wrapped chunk has at most this many tokens. */
  maxLength?: number;
  /** Perplexity-based selection (InsCP kept ppl <= 15): samples scoring above `threshold` are dropped. */
  scorer?: (sample: TokenizedSample) => Promise<number>;
  threshold?: number;
  /**
   * System prompt for the InsCP formats. Undefined (default): no system message is passed, so
   * the sample is what the template renders without one — Qwen2.5's template then injects its
   * default system prompt, exactly as transformers would. A string: that system message is
   * prepended (`""` gives Qwen2.5 an empty system block instead of its default one).
   */
  systemPrompt?: string;
}

export interface Tagger {
  tokenizer: GraftTokenizer;
  template?: ChatTemplate;
  render(sample: ChatSample): RenderedSample;
  /** Render + split + tokenize (+ score); a long document becomes several samples. */
  tag(sample: ChatSample): Promise<TokenizedSample[]>;
}

/** Characters of a sample quoted in errors. */
const EXCERPT_CHARACTERS = 60;

/** The input file and line a sample came from (set by readSamples). */
function where(sample: ChatSample): { path?: string; line?: number } {
  const path = sample.metadata?.source;
  const line = sample.metadata?.line;
  return { path: typeof path === "string" ? path : undefined, line: typeof line === "number" ? line : undefined };
}

/** Prepends the chosen system prompt to InsCP samples (conversations keep their own). */
function withSystemPrompt(sample: ChatSample, systemPrompt: string | undefined): ChatSample {
  if (systemPrompt === undefined || (sample.format !== "inscp-document" && sample.format !== "inscp-pair")) return sample;
  const messages = sample.messages ?? [];
  if (messages[0]?.role === "system") return sample;
  return { ...sample, messages: [{ role: "system", content: systemPrompt }, ...messages] };
}

/** Loads a model's tokenizer and chat template once and tags samples with them. */
export async function createTagger(options: TaggerOptions): Promise<Tagger> {
  const tokenizer = await loadTokenizer(options.modelDirectory);
  let template: ChatTemplate | undefined;
  const loadTemplate = async () => (template ??= await loadChatTemplate(options.modelDirectory, { templateFile: options.templateFile }));
  const endOfTurnTokens = tokenizer.addedTokens.filter((token) => token.special).map((token) => token.content);
  const eosToken = tokenizer.specialTokens.eos?.content;
  const mode = options.mask ?? "all";
  const render = (sample: ChatSample) => renderSample(template, sample, { endOfTurnTokens, eosToken });

  const documentOf = (sample: ChatSample): string | undefined => {
    if (sample.format === "plain") return sample.text;
    const messages = sample.messages ?? [];
    const last = messages.length - 1;
    const single =
      last >= 1 &&
      messages[last - 1].role === "user" &&
      messages[last - 1].content === "" &&
      messages[last].role === "assistant" &&
      messages.slice(0, last - 1).every((message) => message.role === "system");
    return single ? messages[last].content : undefined;
  };
  const withDocument = (sample: ChatSample, document: string): ChatSample => {
    if (sample.format === "plain") return { ...sample, text: document };
    const messages = sample.messages ?? [];
    return { ...sample, messages: [...messages.slice(0, -1), { ...messages[messages.length - 1], content: document }] };
  };

  return {
    tokenizer,
    get template() {
      return template;
    },
    render,
    async tag(input) {
      const sample = withSystemPrompt(input, options.systemPrompt);
      if (sample.format !== "plain") await loadTemplate();
      try {
        let samples = [tokenizeSample(tokenizer, render(sample), mode)];
        const whole = samples[0];
        const document = documentOf(sample);
        if (options.maxLength && whole.ids.length > options.maxLength) {
          if (document === undefined) {
            throw new SampleTooLongError({
              tokens: whole.ids.length,
              maxLength: options.maxLength,
              excerpt: whole.text.slice(0, EXCERPT_CHARACTERS),
              what: `a ${sample.format} sample (not a single document, so it cannot be split)`,
              ...where(sample),
            });
          }
          const overhead = whole.ids.length - tokenizer.encode(document, { addSpecialTokens: false }).length;
          const chunks = splitDocument(document, options.maxLength - overhead, (text) => tokenizer.encode(text, { addSpecialTokens: false }).length);
          samples = chunks.map((chunk, index) =>
            tokenizeSample(tokenizer, render(withDocument({ ...sample, metadata: { ...sample.metadata, chunk: index } }, chunk)), mode),
          );
          const overlong = samples.find((candidate) => candidate.ids.length > (options.maxLength as number));
          if (overlong) {
            // Token merges across the template boundary can add a token; never emit an overlong sample silently.
            throw new SampleTooLongError({
              tokens: overlong.ids.length,
              maxLength: options.maxLength,
              excerpt: overlong.text.slice(0, EXCERPT_CHARACTERS),
              what: "a wrapped chunk",
              ...where(sample),
            });
          }
        }
        if (options.scorer && options.threshold !== undefined) {
          const kept: TokenizedSample[] = [];
          for (const candidate of samples) {
            const score = await options.scorer(candidate);
            if (score <= options.threshold) kept.push({ ...candidate, metadata: { ...candidate.metadata, score } });
          }
          samples = kept;
        }
        return samples;
      } catch (error) {
        const place = where(sample);
        if (place.line === undefined || (error as { line?: number }).line !== undefined) throw error;
        // Name the input line: the original message plus where the sample came from.
        if (error instanceof SampleTooLongError)
          throw new SampleTooLongError({ tokens: error.tokens, maxLength: error.maxLength, excerpt: error.excerpt, what: error.what, ...place });
        if (error instanceof ChatTemplateError) throw new ChatTemplateError({ ...place, message: error.message, cause: error });
        throw error;
      }
    },
  };
}

import type { GraftTokenizer } from "@graft/hf";
import { GgufExportTensorError } from "./gguf-export-tensor-error.js";
import { GgufExportUnsupportedError } from "./gguf-export-unsupported-error.js";
import type { GgufMetadataValue } from "./gguf-writer.js";
import { PRE_TOKENIZER_SPLITS, PRE_TOKENIZERS_IGNORING_MERGES } from "./pre-tokenizer-splits.js";

/** llama.cpp's token types (`tokenizer.ggml.token_type`). */
const NORMAL = 1;
const CONTROL = 3;
const USER_DEFINED = 4;
const UNUSED = 5;

/**
 * The `tokenizer.ggml.pre` names graft writes, each for the pre-tokenizer transformers builds for
 * it: llama.cpp picks its split regexes by this name, so writing it from the tokenizer's structure
 * (not from a hash of its output, as llama.cpp's converter does) works for extended vocabularies.
 */
export const EXPORTED_PRE_TOKENIZERS = ["gpt-2", "smollm", "llama-bpe", "qwen2", "tekken", "gpt-4o"] as const;

/** Pre-tokenizers that are one Split regex followed by a regex-free ByteLevel. */
const SPLIT_NAMES = ["llama-bpe", "qwen2", "tekken", "gpt-4o"] as const;

/** End-of-turn tokens of the chat families, for `tokenizer.ggml.eot_token_id`. */
const END_OF_TURN_TOKENS = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|end_of_turn|>"];

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isByteLevel(step: unknown, useRegex: boolean): boolean {
  return isRecord(step) && step.type === "ByteLevel" && step.add_prefix_space !== true && (step.use_regex ?? true) === useRegex;
}

/** The llama.cpp pre-tokenizer name of a tokenizer.json `pre_tokenizer`, or undefined for one llama.cpp has none for. */
export function llamaCppPreTokenizer(preTokenizer: unknown): (typeof EXPORTED_PRE_TOKENIZERS)[number] | undefined {
  if (isByteLevel(preTokenizer, true)) return "gpt-2";
  if (!isRecord(preTokenizer) || preTokenizer.type !== "Sequence" || !Array.isArray(preTokenizer.pretokenizers)) return undefined;
  const [first, second, ...rest] = preTokenizer.pretokenizers as unknown[];
  if (rest.length > 0 || !isRecord(first)) return undefined;
  if (first.type === "Digits" && first.individual_digits === true && isByteLevel(second, true)) return "smollm";
  if (first.type !== "Split" || first.behavior !== "Isolated" || first.invert === true || !isByteLevel(second, false)) return undefined;
  const pattern = isRecord(first.pattern) ? first.pattern.Regex : undefined;
  return SPLIT_NAMES.find((name) => PRE_TOKENIZER_SPLITS[name] === pattern);
}

/** Describes a pre-tokenizer for an error message without dumping its regexes. */
function describe(preTokenizer: unknown): string {
  if (!isRecord(preTokenizer)) return String(JSON.stringify(preTokenizer));
  if (preTokenizer.type === "Sequence" && Array.isArray(preTokenizer.pretokenizers))
    return `Sequence[${(preTokenizer.pretokenizers as unknown[]).map((step) => (isRecord(step) ? String(step.type) : "?")).join(", ")}] with a split pattern llama.cpp has no name for`;
  return `${String(preTokenizer.type)} (${JSON.stringify(preTokenizer).slice(0, 120)})`;
}

export interface TokenizerMetadata {
  entries: [string, GgufMetadataValue][];
  /** Tokens written: the tokenizer's ids, padded to the embedding rows with unused `[PAD<id>]` tokens. */
  tokenCount: number;
  /** The tokenizer's own ids (highest + 1), before padding. */
  tokenizerSize: number;
  preTokenizer: string;
  /** What llama.cpp will treat differently from transformers, said once each. */
  warnings: string[];
}

/**
 * The `tokenizer.*` metadata of a byte-level BPE tokenizer (GPT-2 / Llama-3 / Qwen2 / SmolLM
 * shape) as llama.cpp reads it: tokens in the byte alphabet, their types (special added tokens
 * control, other added tokens user-defined, ids the tokenizer lacks unused padding up to
 * `embeddingRows`), merges, the pre-tokenizer's name, the special ids, whether BOS / EOS are added
 * (from the post-processor transformers runs), and the chat template.
 */
export function buildTokenizerMetadata(
  tokenizer: GraftTokenizer,
  config: { bos_token_id?: unknown; eos_token_id?: unknown; pad_token_id?: unknown },
  embeddingRows: number,
  chatTemplate: string | undefined,
): TokenizerMetadata {
  const path = `${tokenizer.path}/tokenizer.json`;
  const json = tokenizer.json as Json;
  const model = isRecord(json.model) ? json.model : {};
  const warnings: string[] = [];
  if (model.type !== "BPE") {
    throw new GgufExportUnsupportedError({
      path,
      feature: "tokenizer",
      value: String(model.type),
      supported: ["byte-level BPE (tokenizer.ggml.model gpt2)"],
      hint: "SentencePiece (Unigram) and WordPiece tokenizers are not exported yet",
    });
  }
  if (model.byte_fallback === true || !isRecord(json.pre_tokenizer)) {
    throw new GgufExportUnsupportedError({
      path,
      feature: "tokenizer",
      value: `BPE${model.byte_fallback === true ? " with byte fallback" : ""} without a ByteLevel pre-tokenizer (SentencePiece style, Llama-2 / Mistral)`,
      supported: ["byte-level BPE (tokenizer.ggml.model gpt2)"],
      hint: "SentencePiece-style vocabularies (tokenizer.ggml.model llama, with scores) are not exported yet",
    });
  }
  const pre = llamaCppPreTokenizer(json.pre_tokenizer);
  if (pre === undefined) {
    throw new GgufExportUnsupportedError({
      path,
      feature: "pre-tokenizer",
      value: describe(json.pre_tokenizer),
      supported: EXPORTED_PRE_TOKENIZERS.map((name) => `${name}'s`),
      hint: "llama.cpp would split text differently from transformers",
    });
  }
  const normalizer = json.normalizer;
  if (normalizer !== null && normalizer !== undefined && !(isRecord(normalizer) && normalizer.type === "NFC")) {
    throw new GgufExportUnsupportedError({
      path,
      feature: "normalizer",
      value: isRecord(normalizer) ? String(normalizer.type) : JSON.stringify(normalizer),
      supported: ["none", "NFC (llama.cpp skips it: text that is not NFC already may tokenize differently)"],
    });
  }
  if (isRecord(normalizer)) warnings.push("the tokenizer NFC-normalizes text and llama.cpp does not: text not already in NFC may tokenize differently");
  if (PRE_TOKENIZERS_IGNORING_MERGES.has(pre) !== (model.ignore_merges === true))
    warnings.push(
      `llama.cpp ${PRE_TOKENIZERS_IGNORING_MERGES.has(pre) ? "ignores" : "applies"} merges for ${pre} pre-tokens found whole in the vocabulary and this tokenizer does not: a few words may tokenize differently`,
    );

  const vocab = isRecord(model.vocab) ? (model.vocab as Record<string, number>) : {};
  const added = Array.isArray(json.added_tokens) ? (json.added_tokens as Json[]) : [];
  let size = 0;
  for (const id of Object.values(vocab)) size = Math.max(size, id + 1);
  for (const token of added) size = Math.max(size, (token.id as number) + 1);
  if (size > embeddingRows) {
    throw new GgufExportTensorError({
      path: tokenizer.path,
      tensorName: "model.embed_tokens.weight",
      dtype: "any",
      message: `has ${embeddingRows} rows but the tokenizer has ids up to ${size - 1}: give the model rows for the new tokens first (graft vocab init)`,
    });
  }
  const tokens: string[] = new Array(embeddingRows);
  const types: number[] = new Array(embeddingRows).fill(UNUSED);
  for (const [token, id] of Object.entries(vocab)) {
    tokens[id] = token;
    types[id] = NORMAL;
  }
  for (const token of added) {
    const id = token.id as number;
    // Added tokens match raw text in both runtimes: llama.cpp keeps their text as written.
    tokens[id] = token.content as string;
    types[id] = token.special === true ? CONTROL : USER_DEFINED;
    if (token.lstrip === true || token.rstrip === true || token.single_word === true)
      warnings.push(`added token ${JSON.stringify(token.content)} strips spaces or matches whole words only: llama.cpp matches it plainly`);
  }
  for (let id = 0; id < embeddingRows; id += 1) tokens[id] ??= `[PAD${id}]`;

  const merges = (Array.isArray(model.merges) ? model.merges : []).map((merge) => (Array.isArray(merge) ? merge.join(" ") : String(merge)));
  const configId = (value: unknown) => (Array.isArray(value) ? value[0] : value) as number | null | undefined;
  const special = tokenizer.specialTokens;
  const ids = {
    bos: special.bos?.id ?? configId(config.bos_token_id) ?? undefined,
    eos: special.eos?.id ?? configId(config.eos_token_id) ?? undefined,
    unk: special.unk?.id,
    pad: special.pad?.id ?? configId(config.pad_token_id) ?? undefined,
    eot: END_OF_TURN_TOKENS.map((content) => added.find((token) => token.content === content && token.special === true)?.id as number | undefined).find(
      (id) => id !== undefined,
    ),
  };
  const { addBos, addEos } = addedSpecialTokens(json.post_processor, tokenizer, ids);

  const entries: [string, GgufMetadataValue][] = [
    ["tokenizer.ggml.model", { type: "string", value: "gpt2" }],
    ["tokenizer.ggml.pre", { type: "string", value: pre }],
    ["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: tokens }],
    ["tokenizer.ggml.token_type", { type: "array", itemType: "int32", value: types }],
    ["tokenizer.ggml.merges", { type: "array", itemType: "string", value: merges }],
  ];
  const idKeys = { bos: "bos_token_id", eos: "eos_token_id", unk: "unknown_token_id", pad: "padding_token_id", eot: "eot_token_id" } as const;
  for (const [name, key] of Object.entries(idKeys)) {
    const id = ids[name as keyof typeof ids];
    if (typeof id === "number" && id >= 0 && id < embeddingRows) entries.push([`tokenizer.ggml.${key}`, { type: "uint32", value: id }]);
  }
  entries.push(["tokenizer.ggml.add_bos_token", { type: "bool", value: addBos }]);
  entries.push(["tokenizer.ggml.add_eos_token", { type: "bool", value: addEos }]);
  if (chatTemplate !== undefined) entries.push(["tokenizer.chat_template", { type: "string", value: chatTemplate }]);
  return { entries, tokenCount: embeddingRows, tokenizerSize: size, preTokenizer: pre, warnings };
}

/**
 * Whether transformers adds BOS / EOS around a text: the post-processor's template when there is
 * one (what `tokenizers` runs), else tokenizer_config.json's `add_bos_token` / `add_eos_token`.
 */
function addedSpecialTokens(postProcessor: unknown, tokenizer: GraftTokenizer, ids: { bos?: number; eos?: number }): { addBos: boolean; addEos: boolean } {
  if (isRecord(postProcessor) && postProcessor.type === "TemplateProcessing" && Array.isArray(postProcessor.single)) {
    const single = postProcessor.single as Json[];
    const specialId = (piece: Json | undefined) => {
      const content = isRecord(piece?.SpecialToken) ? (piece.SpecialToken.id as string) : undefined;
      const entry = content === undefined || !isRecord(postProcessor.special_tokens) ? undefined : (postProcessor.special_tokens as Json)[content];
      return isRecord(entry) && Array.isArray(entry.ids) ? (entry.ids[0] as number) : undefined;
    };
    const first = specialId(single[0]);
    const last = single.length > 1 ? specialId(single[single.length - 1]) : undefined;
    return { addBos: first !== undefined && first === ids.bos, addEos: last !== undefined && last === ids.eos };
  }
  return { addBos: tokenizer.config.add_bos_token === true, addEos: tokenizer.config.add_eos_token === true };
}

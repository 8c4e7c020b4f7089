import { bytesToUnicode } from "@graft/hf";
import type { GgufMetadata } from "./gguf-metadata.js";
import { GgufMetadataError } from "./gguf-metadata-error.js";
import { GgufUnsupportedError } from "./gguf-unsupported-error.js";
import { PRE_TOKENIZER_SPLITS, PRE_TOKENIZERS_IGNORING_MERGES } from "./pre-tokenizer-splits.js";

/** llama.cpp's token types (`tokenizer.ggml.token_type`). */
const CONTROL = 3;
const USER_DEFINED = 4;

export const SUPPORTED_TOKENIZER_MODELS = ["gpt2"] as const;

export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** The tokens' ids as the config and generation config name them. */
  ids: { bos?: number; eos?: number; unk?: number; pad?: number };
  vocabSize: number;
}

function addedToken(id: number, content: string, special: boolean) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special };
}

/**
 * `tokenizer.json` and `tokenizer_config.json` from a GGUF's `tokenizer.ggml.*` metadata, built as
 * transformers' GGUF tokenizer conversion builds them, so both encode to the same ids: a byte-level
 * BPE (GPT-2's shape) over the file's tokens and merges, tokens the file marks control as special
 * added tokens (those spelled in the byte alphabet: others are llama.cpp mislabels), user-defined
 * ones as plain added tokens, and the split pattern `tokenizer.ggml.pre` names.
 */
export function buildTokenizerFiles(path: string, metadata: GgufMetadata, contextLength: number | undefined): TokenizerFiles {
  if (!metadata.has("tokenizer.ggml.model")) {
    throw new GgufMetadataError({
      path,
      key: "tokenizer.ggml.model",
      message:
        "missing: the file carries no tokenizer, so no tokenizer.json can be built; use a GGUF converted with its tokenizer (llama.cpp's convert_hf_to_gguf.py writes it)",
    });
  }
  const model = metadata.string("tokenizer.ggml.model");
  if (model !== "gpt2") throw new GgufUnsupportedError({ path, feature: "tokenizer", value: model, supported: SUPPORTED_TOKENIZER_MODELS });
  const tokens = metadata.strings("tokenizer.ggml.tokens") as string[];
  const merges = metadata.strings("tokenizer.ggml.merges") as string[];
  const types = metadata.integers("tokenizer.ggml.token_type", true) ?? [];
  const alphabetOf = bytesToUnicode();
  const alphabet = new Set(alphabetOf);
  const utf8 = new TextEncoder();
  const spelled = (token: string) => [...token].every((char) => alphabet.has(char));
  const vocab: Record<string, number> = {};
  tokens.forEach((token, id) => {
    const key = spelled(token) ? token : Array.from(utf8.encode(token), (byte) => alphabetOf[byte]).join("");
    vocab[key] = id;
  });
  const added: ReturnType<typeof addedToken>[] = [];
  tokens.forEach((token, id) => {
    if (types[id] === CONTROL && spelled(token)) added.push(addedToken(id, token, true));
  });
  tokens.forEach((token, id) => {
    if (types[id] === USER_DEFINED && token in vocab) added.push(addedToken(id, token, false));
  });
  added.sort((a, b) => a.id - b.id);

  const ids = {
    bos: metadata.integer("tokenizer.ggml.bos_token_id", undefined),
    eos: metadata.integer("tokenizer.ggml.eos_token_id", undefined),
    unk: metadata.integer("tokenizer.ggml.unknown_token_id", undefined),
    pad: metadata.integer("tokenizer.ggml.padding_token_id", undefined),
  };
  for (const [name, id] of Object.entries(ids)) {
    if (id !== undefined && (id < 0 || id >= tokens.length)) {
      const key = name === "unk" ? "unknown" : name === "pad" ? "padding" : name;
      throw new GgufMetadataError({ path, key: `tokenizer.ggml.${key}_token_id`, message: `${id} is not a token id (the vocabulary has ${tokens.length})` });
    }
  }
  const addBos = metadata.boolean("tokenizer.ggml.add_bos_token");
  const addEos = metadata.boolean("tokenizer.ggml.add_eos_token");
  const pre = metadata.string("tokenizer.ggml.pre", "default") ?? "default";
  const split = PRE_TOKENIZER_SPLITS[pre];
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: split === undefined };
  const preTokenizer =
    split === undefined
      ? byteLevel
      : { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: split }, behavior: "Isolated", invert: false }, byteLevel] };

  // BOS / EOS added around each sequence where the file asks for them (llama.cpp's flags).
  const specialTokens: Record<string, unknown> = {};
  const template = (sequence: "A" | "B", typeId: number): unknown[] => {
    const pieces: unknown[] = [];
    const special = (id: number | undefined) => {
      if (id === undefined) return;
      pieces.push({ SpecialToken: { id: tokens[id], type_id: typeId } });
      specialTokens[tokens[id]] = { id: tokens[id], ids: [id], tokens: [tokens[id]] };
    };
    if (addBos) special(ids.bos);
    pieces.push({ Sequence: { id: sequence, type_id: typeId } });
    if (addEos) special(ids.eos);
    return pieces;
  };
  const single = template("A", 0);
  const pair = [...single, ...template("B", 1)];

  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: preTokenizer,
    post_processor: { type: "TemplateProcessing", single, pair, special_tokens: specialTokens },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      // As llama.cpp runs the file: whole-word vocabulary hits skip the merges for these.
      ignore_merges: PRE_TOKENIZERS_IGNORING_MERGES.has(pre),
      vocab,
      merges: merges.map((merge) => {
        const at = merge.indexOf(" ");
        return [merge.slice(0, at), merge.slice(at + 1)];
      }),
    },
  };

  const name = (id: number | undefined) => (id === undefined ? null : tokens[id]);
  const tokenizerConfig: Record<string, unknown> = {
    ...(addBos === undefined ? {} : { add_bos_token: addBos }),
    ...(addEos === undefined ? {} : { add_eos_token: addEos }),
    bos_token: name(ids.bos),
    eos_token: name(ids.eos),
    pad_token: name(ids.pad),
    unk_token: name(ids.unk),
    clean_up_tokenization_spaces: false,
    model_max_length: contextLength ?? 1_000_000_000_000_000,
    tokenizer_class: "PreTrainedTokenizerFast",
  };
  const chatTemplate = metadata.string("tokenizer.chat_template", undefined);
  if (chatTemplate !== undefined) tokenizerConfig.chat_template = chatTemplate;
  return { tokenizerJson, tokenizerConfig, ids, vocabSize: tokens.length };
}

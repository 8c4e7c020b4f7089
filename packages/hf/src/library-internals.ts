/**
 * The parts of an `@huggingface/tokenizers` `Tokenizer` instance that the fast encoder reuses
 * (normalizer, pre-tokenizers, added-token splitters, BPE tables, post-processor). They are
 * not in the library's public typings; this file is the one place that names them, so a
 * library upgrade that renames one is caught by `readLibraryInternals` (it returns undefined
 * and the fast encoder delegates to the library).
 */

export interface LibraryAddedToken {
  id: number;
  content: string;
  lstrip: boolean;
  rstrip: boolean;
}

export interface LibraryPreTokenizer {
  (text: string, options?: { section_index?: number }): string[];
  pre_tokenize(text: string | string[], options?: { section_index?: number }): string[];
  pattern?: RegExp | null;
  tokenizers?: (LibraryPreTokenizer | null)[];
}

export interface LibraryModel {
  merges?: [string, string][];
  tokens_to_ids: Map<string, number>;
  unk_token_id?: number;
  unk_token?: string | null;
  fuse_unk: boolean;
  byte_fallback?: boolean;
  ignore_merges?: boolean;
  end_of_word_suffix?: string | null;
  continuing_subword_suffix?: string | null;
}

export interface LibraryInternals {
  /** The parsed tokenizer.json the instance was built from. */
  tokenizer: {
    model: { type?: string };
    pre_tokenizer: PreTokenizerConfig | null;
  };
  normalizer: ((text: string) => string) | null;
  pre_tokenizer: LibraryPreTokenizer | null;
  model: LibraryModel;
  post_processor: ((tokens: string[], pair: string[] | null, addSpecialTokens: boolean) => { tokens: string[] }) | null;
  splitter_unnormalized: { split(text: string): string[] };
  splitter_normalized: { split(text: string): string[] };
  added_tokens_map: Map<string, LibraryAddedToken>;
  remove_space?: boolean;
  do_lowercase_and_remove_accent?: boolean;
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
}

export interface PreTokenizerConfig {
  type: string;
  pretokenizers?: PreTokenizerConfig[];
  add_prefix_space?: boolean;
  use_regex?: boolean;
  behavior?: string;
  invert?: boolean;
  [key: string]: unknown;
}

/** The library instance seen through its internals, or undefined when a part is missing. */
export function readLibraryInternals(library: unknown): LibraryInternals | undefined {
  const candidate = library as Partial<LibraryInternals> | null;
  if (!candidate || (typeof candidate !== "object" && typeof candidate !== "function")) return undefined;
  const complete =
    !!candidate.tokenizer &&
    !!candidate.model &&
    candidate.model.tokens_to_ids instanceof Map &&
    candidate.added_tokens_map instanceof Map &&
    typeof candidate.splitter_unnormalized?.split === "function" &&
    typeof candidate.splitter_normalized?.split === "function" &&
    typeof candidate.encode === "function";
  return complete ? (candidate as LibraryInternals) : undefined;
}

import { type GraftTokenizer, pinAddedTokenIds, type TokenizerJson } from "@graft/hf";

type AddedToken = NonNullable<TokenizerJson["added_tokens"]>[number];

/** Keys of tokenizer_config.json's `added_tokens_decoder` entries, in transformers' order. */
const ADDED_TOKEN_FLAGS = ["lstrip", "normalized", "rstrip", "single_word", "special"] as const;

export interface AssembledTokenizer {
  /** tokenizer.json: the donor's model, normaliser, pre-tokenizer and decoder; the instruct model's added tokens and post-processor. */
  json: TokenizerJson;
  /** tokenizer_config.json: the instruct model's (chat template, special-token map), `added_tokens_decoder` rebuilt. */
  config: Record<string, unknown>;
  /** Instruct token id → output token id, for every instruct token the output has. */
  outputIdOf: (instructId: number) => number | undefined;
  /** Rows copied from the instruct model (its added and special tokens), never projected. */
  copiedRows: { outputId: number; instructId: number; content: string }[];
  /** Instruct added tokens the donor lacked, appended after the donor's ids. */
  appendedTokens: { outputId: number; instructId: number; content: string }[];
  /** Highest output id + 1. */
  idLimit: number;
}

/**
 * The output tokenizer of LEP: the donor tokenizer (the new vocabulary) plus the instruct
 * model's added/special tokens (kept at the donor's id when the donor has the string, else
 * appended from `firstFreeId`), the instruct model's post-processor (ids remapped) and its
 * tokenizer_config.json (chat template, special-token map).
 */
export function assembleTokenizer({
  donor,
  instruct,
  firstFreeId,
}: {
  donor: GraftTokenizer;
  instruct: GraftTokenizer;
  firstFreeId: number;
}): AssembledTokenizer {
  const json = structuredClone(donor.json) as TokenizerJson;
  const addedTokens: AddedToken[] = json.added_tokens ?? [];
  json.added_tokens = addedTokens;
  const addedById = new Map(addedTokens.map((token) => [token.id, token]));
  const outputIdByContent = new Map<string, number>();
  const copiedRows: AssembledTokenizer["copiedRows"] = [];
  const appendedTokens: AssembledTokenizer["appendedTokens"] = [];
  let nextId = Math.max(firstFreeId, donor.idLimit);

  for (const token of instruct.json.added_tokens ?? []) {
    let outputId = donor.tokenToId(token.content);
    const flags = { ...token };
    if (outputId === undefined) {
      outputId = nextId;
      nextId += 1;
      addedTokens.push({ ...flags, id: outputId });
      appendedTokens.push({ outputId, instructId: token.id, content: token.content });
    } else {
      const existing = addedById.get(outputId);
      if (existing) Object.assign(existing, flags, { id: outputId });
      else addedTokens.push({ ...flags, id: outputId });
    }
    outputIdByContent.set(token.content, outputId);
    copiedRows.push({ outputId, instructId: token.id, content: token.content });
  }
  addedTokens.sort((left, right) => left.id - right.id);
  pinAddedTokenIds(json);

  const outputIdOf = (instructId: number): number | undefined => {
    const content = instruct.idToToken(instructId);
    if (content === undefined) return undefined;
    return outputIdByContent.get(content) ?? donor.tokenToId(content);
  };
  if (instruct.json.post_processor !== undefined) {
    json.post_processor = remapPostProcessor(
      structuredClone(instruct.json.post_processor),
      (content) => outputIdByContent.get(content) ?? donor.tokenToId(content),
    );
  }

  const config: Record<string, unknown> = structuredClone(instruct.config);
  const decoder: Record<string, Record<string, unknown>> = {};
  for (const token of addedTokens) {
    const entry: Record<string, unknown> = { content: token.content };
    for (const flag of ADDED_TOKEN_FLAGS) entry[flag] = token[flag] ?? (flag === "normalized" ? !token.special : false);
    decoder[String(token.id)] = entry;
  }
  config.added_tokens_decoder = decoder;
  return { json, config, outputIdOf, copiedRows, appendedTokens, idLimit: Math.max(nextId, donor.idLimit) };
}

/**
 * Rewrites the token ids a post-processor carries (TemplateProcessing `special_tokens`,
 * Bert/Roberta `[content, id]` pairs, and Sequence of those) to the output vocabulary.
 */
function remapPostProcessor(processor: unknown, idOf: (content: string) => number | undefined): unknown {
  if (processor === null || typeof processor !== "object") return processor;
  const node = processor as Record<string, unknown>;
  if (Array.isArray(node.processors)) node.processors = node.processors.map((child) => remapPostProcessor(child, idOf));
  if (node.special_tokens && typeof node.special_tokens === "object") {
    for (const entry of Object.values(node.special_tokens as Record<string, { tokens?: string[]; ids?: number[] }>)) {
      if (Array.isArray(entry.tokens)) entry.ids = entry.tokens.map((content, index) => idOf(content) ?? (entry.ids?.[index] as number));
    }
  }
  for (const key of ["sep", "cls"]) {
    const pair = node[key];
    if (Array.isArray(pair) && typeof pair[0] === "string") node[key] = [pair[0], idOf(pair[0]) ?? pair[1]];
  }
  return node;
}

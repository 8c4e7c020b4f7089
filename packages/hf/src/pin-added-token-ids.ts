import type { TokenizerJson } from "./load-tokenizer.js";

/**
 * Python `tokenizers` ignores the ids stored with added tokens that the model vocabulary lacks:
 * it numbers them from the model vocabulary's size (or after the largest added id). When that
 * would renumber any of them (new model ids above the added ones, gaps, appended tokens), every
 * added token is also entered into the BPE model vocabulary at its id, which both
 * implementations honour. Such entries have no merge chain, so plain text never produces them.
 */
export function pinAddedTokenIds(json: TokenizerJson): boolean {
  const vocab = json.model.vocab;
  if (!vocab || Array.isArray(vocab)) return false;
  const modelIds = vocab as Record<string, number>;
  const size = Object.keys(modelIds).length;
  let largest: number | undefined;
  let consistent = true;
  for (const token of json.added_tokens ?? []) {
    const modelId = Object.hasOwn(modelIds, token.content) ? modelIds[token.content] : undefined;
    const assigned = modelId ?? (largest === undefined || largest < size ? size : largest + 1);
    if (assigned !== token.id) consistent = false;
    largest = Math.max(largest ?? assigned, assigned);
  }
  if (consistent) return false;
  for (const token of json.added_tokens ?? []) modelIds[token.content] = token.id;
  return true;
}

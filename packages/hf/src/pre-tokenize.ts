import { readLibraryInternals } from "./library-internals.js";
import type { GraftTokenizer } from "./load-tokenizer.js";
import { planPreTokens } from "./pre-token-plan.js";
import { bytesToUnicode } from "./word-encoder.js";

/** SentencePiece's word marker: pre-tokenizer-less tokenizers are cut into words before it. */
const SENTENCEPIECE_MARKER = "\u2581";

/**
 * Emits the pre-tokens ("words") of `text` exactly as the tokenizer's BPE model receives them:
 * added tokens removed, the normalizer applied, the pre-tokenizer's pieces, byte-level pieces
 * mapped to the byte alphabet. A tokenizer without a pre-tokenizer (Llama-2, Mistral) is cut
 * before each "▁", as SentencePiece training counts words. Used to count words for vocabulary
 * extension and to segment new tokens with an old tokenizer.
 */
export type PreTokenizer = (text: string, emit: (piece: string) => void) => void;

/** Builds the pre-tokenizer of a loaded tokenizer (see `PreTokenizer`). */
export function createPreTokenizer(tokenizer: GraftTokenizer): PreTokenizer {
  const internals = readLibraryInternals(tokenizer.library);
  if (!internals) throw new TypeError("createPreTokenizer: the @huggingface/tokenizers instance lacks the parts graft reads (library upgrade?)");
  const plan = planPreTokens(internals, SENTENCEPIECE_MARKER);
  const alphabet = bytesToUnicode();
  const utf8 = new TextEncoder();
  const toByteLevel = (piece: string): string => {
    let mapped = "";
    for (const byte of utf8.encode(piece)) mapped += alphabet[byte];
    return mapped;
  };
  const emitPiece = plan.byteLevel
    ? (piece: string, emit: (piece: string) => void) => emit(toByteLevel(piece))
    : (piece: string, emit: (piece: string) => void) => emit(piece);
  const added = internals.added_tokens_map;
  return (text, emit) => {
    const sections = internals.splitter_unnormalized.split(text);
    for (let sectionIndex = 0; sectionIndex < sections.length; sectionIndex += 1) {
      let section = sections[sectionIndex];
      if (section.length === 0 || added.has(section)) continue;
      if (internals.normalizer) section = internals.normalizer(section);
      for (const subsection of internals.splitter_normalized.split(section)) {
        if (subsection.length === 0 || added.has(subsection)) continue;
        plan.forEachPiece(subsection, sectionIndex, (piece) => emitPiece(piece, emit));
      }
    }
  };
}

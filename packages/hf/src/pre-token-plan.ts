import type { LibraryInternals, LibraryPreTokenizer, PreTokenizerConfig } from "./library-internals.js";

/**
 * How the fast encoder cuts a normalized section into pre-tokens, reusing the library's own
 * compiled patterns. When the pre-tokenizer ends in ByteLevel, pieces are emitted RAW (before
 * the byte-to-unicode mapping) so that a cache hit skips the UTF-8 encoding altogether.
 */
export interface PreTokenPlan {
  /** True when pieces are raw text that still needs the byte-level mapping. */
  byteLevel: boolean;
  /** A short description for diagnostics (`split+byte-level`, `library`, ...). */
  kind: string;
  forEachPiece(text: string, sectionIndex: number, emit: (piece: string) => void): void;
}

/** Splits like the library's `regex_split` (isolated behaviour): gaps and matches, empties dropped. */
function isolatedSplit(pattern: RegExp, text: string, emit: (piece: string) => void): void {
  pattern.lastIndex = 0;
  let previous = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const start = match.index;
    const full = match[0];
    if (previous < start) emit(text.slice(previous, start));
    if (full.length > 0) emit(full);
    else pattern.lastIndex = start + ((text.codePointAt(start) ?? 0) > 0xffff ? 2 : 1);
    previous = start + full.length;
  }
  if (previous < text.length) emit(text.slice(previous));
}

/** `text.match(pattern)` without the intermediate array. */
function matchAll(pattern: RegExp, text: string, emit: (piece: string) => void): void {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const full = match[0];
    if (full.length === 0) pattern.lastIndex = match.index + ((text.codePointAt(match.index) ?? 0) > 0xffff ? 2 : 1);
    emit(full);
  }
}

function copyPattern(pattern: RegExp | null | undefined): RegExp | undefined {
  return pattern ? new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`) : undefined;
}

/** A final ByteLevel step: optional prefix space, then its regex (or the whole piece). */
function byteLevelStep(config: PreTokenizerConfig, library: LibraryPreTokenizer): ((text: string, emit: (piece: string) => void) => void) | undefined {
  const addPrefixSpace = config.add_prefix_space ?? false;
  const useRegex = config.use_regex ?? true;
  const pattern = useRegex ? copyPattern(library.pattern) : undefined;
  if (useRegex && !pattern) return undefined;
  return (text, emit) => {
    const prefixed = addPrefixSpace && !text.startsWith(" ") ? ` ${text}` : text;
    if (pattern) matchAll(pattern, prefixed, emit);
    else emit(prefixed);
  };
}

function isIsolatedSplit(config: PreTokenizerConfig): boolean {
  return config.type === "Split" && !config.invert && config.behavior?.toLowerCase() !== "removed";
}

/**
 * The plan for a tokenizer. `splitBefore` (a character such as SentencePiece's "▁") may cut a
 * pre-tokenizer-less section into words when the caller proved that no merge crosses it.
 */
export function planPreTokens(internals: LibraryInternals, splitBefore?: string): PreTokenPlan {
  const config = internals.tokenizer.pre_tokenizer;
  const library = internals.pre_tokenizer;
  if (!config || !library) {
    if (splitBefore === undefined) return { byteLevel: false, kind: "whole", forEachPiece: (text, _section, emit) => emit(text) };
    return {
      byteLevel: false,
      kind: `words-before-${splitBefore}`,
      forEachPiece(text, _section, emit) {
        let start = 0;
        for (let index = 1; index < text.length; index += 1) {
          if (text[index] === splitBefore && text[index - 1] !== splitBefore) {
            emit(text.slice(start, index));
            start = index;
          }
        }
        if (start < text.length) emit(text.slice(start));
      },
    };
  }
  if (config.type === "ByteLevel") {
    const step = byteLevelStep(config, library);
    if (step) return { byteLevel: true, kind: "byte-level", forEachPiece: (text, _section, emit) => step(text, emit) };
  }
  const configs = config.pretokenizers ?? [];
  const steps = library.tokenizers ?? [];
  const last = configs.at(-1);
  const lastStep = steps.at(-1);
  const earlier = configs.slice(0, -1);
  if (
    config.type === "Sequence" &&
    last?.type === "ByteLevel" &&
    lastStep &&
    steps.length === configs.length &&
    !earlier.some((step) => step.type === "ByteLevel")
  ) {
    const finalStep = byteLevelStep(last, lastStep);
    if (finalStep) {
      const first = earlier[0];
      const firstPattern = earlier.length === 1 && first && isIsolatedSplit(first) ? copyPattern(steps[0]?.pattern) : undefined;
      if (firstPattern) {
        return {
          byteLevel: true,
          kind: "split+byte-level",
          forEachPiece: (text, _section, emit) => isolatedSplit(firstPattern, text, (piece) => finalStep(piece, emit)),
        };
      }
      const earlierSteps = steps.slice(0, -1);
      return {
        byteLevel: true,
        kind: "library-steps+byte-level",
        forEachPiece(text, sectionIndex, emit) {
          let pieces = [text];
          for (const step of earlierSteps) if (step) pieces = step.pre_tokenize(pieces, { section_index: sectionIndex });
          for (const piece of pieces) finalStep(piece, emit);
        },
      };
    }
  }
  return {
    byteLevel: false,
    kind: "library",
    forEachPiece(text, sectionIndex, emit) {
      for (const piece of library(text, { section_index: sectionIndex })) emit(piece);
    },
  };
}

import type { PipelineStep } from "./pipeline-step.js";

export interface QualityFilterOptions {
  /** Fewer characters: dropped as `too_short` (default 20). */
  minCharacters?: number;
  /** More characters: dropped as `too_long` (default 1,000,000). */
  maxCharacters?: number;
  /** Share of characters that are letters, below which the text is `not_text` (default 0.5; Gopher-style). */
  minLetterRatio?: number;
  /** Share of lines that are duplicates of another line, above which it is `repeated_lines` (default 0.3; Gopher). */
  maxDuplicateLineRatio?: number;
}

const LETTER = /\p{L}/gu;
const SPACE = /\s/gu;

/** A Gopher-style subset of quality heuristics; each failure is its own drop reason. */
export function qualityFilter(options: QualityFilterOptions = {}): PipelineStep {
  const minCharacters = options.minCharacters ?? 20;
  const maxCharacters = options.maxCharacters ?? 1_000_000;
  const minLetterRatio = options.minLetterRatio ?? 0.5;
  const maxDuplicateLineRatio = options.maxDuplicateLineRatio ?? 0.3;
  return (document) => {
    const { text } = document;
    if (text.length < minCharacters) return { drop: "too_short" };
    if (text.length > maxCharacters) return { drop: "too_long" };
    const nonSpace = text.length - (text.match(SPACE)?.length ?? 0);
    if (nonSpace > 0 && (text.match(LETTER)?.length ?? 0) / nonSpace < minLetterRatio) return { drop: "not_text" };
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    if (lines.length >= 4 && 1 - new Set(lines).size / lines.length > maxDuplicateLineRatio) return { drop: "repeated_lines" };
    return document;
  };
}

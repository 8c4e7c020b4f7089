import type { PipelineStep } from "./pipeline-step.js";

// C0/C1 control characters except tab and newline; zero-width and BOM characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\u200b]/gu;
const TRAILING_SPACE = /[ \t]+$/gmu;
const BLANK_RUNS = /\n{3,}/gu;

/** Unicode NFC, control characters removed, trailing spaces and runs of blank lines collapsed. */
export const cleanText: PipelineStep = (document) => {
  const text = document.text.normalize("NFC").replace(CONTROL, "").replace(TRAILING_SPACE, "").replace(BLANK_RUNS, "\n\n").trim();
  return text === "" ? { drop: "empty" } : { ...document, text };
};

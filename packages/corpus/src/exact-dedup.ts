import { createHash } from "node:crypto";
import type { PipelineStep } from "./pipeline-step.js";

/** The exact-dedup key: md5 (base64) of the lower-cased, whitespace-normalised text. */
export function exactKey(text: string): string {
  return createHash("md5").update(text.toLowerCase().replace(/\s+/gu, " ").trim()).digest("base64");
}

/** Drops a document whose text (whitespace-normalised, lower-cased) was seen before: `duplicate`. Memory: one 24-character key per distinct document. */
export function exactDedup(): PipelineStep {
  const seen = new Set<string>();
  return (document) => {
    const key = exactKey(document.text);
    if (seen.has(key)) return { drop: "duplicate" };
    seen.add(key);
    return document;
  };
}

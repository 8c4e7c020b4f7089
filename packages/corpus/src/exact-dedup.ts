import { createHash } from "node:crypto";
import type { PipelineStep } from "./pipeline-step.js";

/** Drops a document whose text (whitespace-normalised, lower-cased) was seen before: `duplicate`. Memory: 16 bytes per distinct document. */
export function exactDedup(): PipelineStep {
  const seen = new Set<string>();
  return (document) => {
    const key = createHash("md5").update(document.text.toLowerCase().replace(/\s+/gu, " ").trim()).digest("base64");
    if (seen.has(key)) return { drop: "duplicate" };
    seen.add(key);
    return document;
  };
}

import { bandKeys, minhashSignature } from "./minhash-signature.js";
import { NearDuplicateIndex } from "./near-duplicate-index.js";
import type { PipelineStep } from "./pipeline-step.js";

/**
 * MinHash-LSH near-dedup as a pipeline step: drops a document (`near_duplicate`) whose
 * estimated Jaccard similarity of word 5-gram shingles with an earlier kept document is at
 * least `threshold` (default 0.7).
 */
export function nearDedup({ threshold }: { threshold?: number } = {}): PipelineStep {
  const index = new NearDuplicateIndex(threshold);
  return (document) => {
    const signature = minhashSignature(document.text);
    return index.check(signature, bandKeys(signature)) ? { drop: "near_duplicate" } : document;
  };
}

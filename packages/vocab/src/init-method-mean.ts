import type { InitMethod } from "./init-method.js";

/**
 * LEP's mean initialisation: a new token with old segmentation [o1..oK] (base pre-tokenizer +
 * base BPE, `oldSegmentation`) gets `(E[o1] + … + E[oK]) / K`, summed in float64 in segmentation
 * order and rounded once; a new token without a decomposition gets the mean of all base rows.
 */
export const initMean: InitMethod = ({ segmentation }) => {
  const { offsets, baseIds } = segmentation;
  return (id) => {
    const from = offsets[id];
    const to = offsets[id + 1];
    if (to === from) return undefined;
    return { ids: baseIds.subarray(from, to), weights: new Float64Array(to - from).fill(1), divisor: to - from };
  };
};

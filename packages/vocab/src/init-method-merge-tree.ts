import { aggregateRows } from "./aggregate-rows.js";
import type { InitMethod } from "./init-method.js";

/**
 * Merge-tree initialisation: a new token made by the merge (left, right) gets the mean of the
 * rows of `left` and `right`, recursively down the merge tree to base tokens (each level weighs
 * its two halves equally, unlike `mean`, which weighs every old sub-token equally). New tokens
 * without a merge (added tokens) and unsegmentable ones fall back to `mean`; base tokens copy
 * their row; padding rows get the mean of all base rows.
 */
export const initMergeTree: InitMethod = ({ baseMatrix, hiddenSize, segmentation, mergeOf, idOf, tokenOf }) => {
  const rows = aggregateRows({ segmentation, baseMatrix, hiddenSize });
  const exact = new Map<number, Float64Array>();
  const rowOf = (id: number, depth: number): Float64Array => {
    const known = exact.get(id);
    if (known) return known;
    const values = new Float64Array(hiddenSize);
    const token = tokenOf(id);
    const merge = token === undefined ? undefined : mergeOf.get(token);
    const leftId = merge ? idOf(merge[0]) : undefined;
    const rightId = merge ? idOf(merge[1]) : undefined;
    if (segmentation.kinds[id] !== "segmented" || leftId === undefined || rightId === undefined || depth > hiddenSize + 10_000) {
      for (let column = 0; column < hiddenSize; column += 1) values[column] = rows[id * hiddenSize + column];
    } else {
      const left = rowOf(leftId, depth + 1);
      const right = rowOf(rightId, depth + 1);
      for (let column = 0; column < hiddenSize; column += 1) values[column] = (left[column] + right[column]) / 2;
    }
    exact.set(id, values);
    return values;
  };
  for (const id of segmentation.newTokenIds) {
    if (segmentation.kinds[id] !== "segmented") continue;
    const values = rowOf(id, 0);
    for (let column = 0; column < hiddenSize; column += 1) rows[id * hiddenSize + column] = values[column];
  }
  return rows;
};

import type { InitMethod } from "./init-method.js";

/** Base id -> weight; `undefined`: the token has no decomposition into base tokens. */
type Leaves = Map<number, number> | undefined;

/**
 * Merge-tree initialisation. For a token t of the extended vocabulary, tree(t) is a weighted set
 * of base tokens:
 * - t in the base vocabulary: {t: 1};
 * - t new, produced by the merge (l, r) (the first merge in `tokenizer.json` whose concatenation
 *   is t) and both l and r decompose: ½·tree(l) + ½·tree(r), recursively (parts are strictly
 *   shorter strings, so the recursion ends at base tokens);
 * - t new without such a merge (an added token, a vocab entry without a merge, or a part that
 *   does not decompose): its `mean` weights, 1/K for each of its K old sub-tokens;
 * - t without an old segmentation: the mean of all base rows (as `mean`).
 * The row is Σ weight · E_base[id] in float64 over tree(t), rounded once. Unlike `mean`, each
 * merge level weighs its two halves equally, so the sub-tokens of a long half count less.
 */
export const initMergeTree: InitMethod = ({ segmentation, mergeOf, idOf, tokenOf }) => {
  const { kinds, offsets, baseIds } = segmentation;
  const memo = new Map<number, Leaves>();

  const meanLeaves = (id: number): Leaves => {
    const parts = offsets[id + 1] - offsets[id];
    if (parts === 0) return undefined;
    const leaves = new Map<number, number>();
    for (let index = offsets[id]; index < offsets[id + 1]; index += 1) leaves.set(baseIds[index], (leaves.get(baseIds[index]) ?? 0) + 1 / parts);
    return leaves;
  };

  const treeOf = (id: number): Leaves => {
    if (kinds[id] === "copied") return new Map([[baseIds[offsets[id]], 1]]);
    if (kinds[id] !== "segmented") return undefined;
    if (memo.has(id)) return memo.get(id);
    const token = tokenOf(id);
    const merge = token === undefined ? undefined : mergeOf.get(token);
    const leftId = merge && merge[0].length > 0 && merge[1].length > 0 ? idOf(merge[0]) : undefined;
    const rightId = merge && leftId !== undefined ? idOf(merge[1]) : undefined;
    let leaves: Leaves;
    if (leftId !== undefined && rightId !== undefined) {
      const left = treeOf(leftId);
      const right = left && treeOf(rightId);
      if (left && right) {
        leaves = new Map<number, number>();
        for (const [baseId, weight] of left) leaves.set(baseId, weight / 2);
        for (const [baseId, weight] of right) leaves.set(baseId, (leaves.get(baseId) ?? 0) + weight / 2);
      }
    }
    leaves ??= meanLeaves(id);
    memo.set(id, leaves);
    return leaves;
  };

  return (id) => {
    const leaves = treeOf(id);
    return leaves && { ids: [...leaves.keys()], weights: [...leaves.values()] };
  };
};

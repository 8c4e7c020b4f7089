import { aggregateRows } from "./aggregate-rows.js";
import type { InitMethod } from "./init-method.js";

/**
 * LEP's mean initialisation: a new token's row is the mean of the base rows of its old
 * segmentation (float64, rounded once); base tokens copy their row; tokens without a
 * decomposition and padding rows get the mean of all base rows.
 */
export const initMean: InitMethod = ({ baseMatrix, hiddenSize, segmentation }) => aggregateRows({ segmentation, baseMatrix, hiddenSize });

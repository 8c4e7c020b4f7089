import type { OldSegmentation } from "@graft/vocab";
import { buildFoldedBlock, FoldedBlockBuffers, type FoldedWeights } from "./build-folded-block.js";
import type { DenseProducts, FoldedSums } from "./dense-products.js";
import type { EmbeddingMatrix } from "./embedding-matrix.js";
import { NormalEquations } from "./normal-equations.js";

/**
 * Bytes of one float64 block of the folded fit (8,192 rows at d = 1,024 and 2,048, 4,096 at
 * d = 4,096; three such buffers, 384 MiB in all, see `FoldedBlockBuffers`). MLAS's GEMMs run
 * faster on taller blocks, so a block is as tall as this memory budget allows (bench/RESULTS.md).
 */
export const FOLDED_BLOCK_BYTES = 128 << 20;

/** Base rows per block of the folded fit: FOLDED_BLOCK_BYTES of float64, 1,024 to 8,192 rows. */
export function foldedBlockRows(width: number): number {
  return Math.min(8192, Math.max(1024, Math.floor(FOLDED_BLOCK_BYTES / (8 * width))));
}

/** Columns per panel of ŜᵀŜ: only panels on or above the diagonal are multiplied. */
export const GRAM_PANEL_COLUMNS = 128;

export interface AccumulateFoldedFitOptions {
  segmentation: OldSegmentation;
  /** Rows of the extended (donor) vocabulary that take part in the fit. */
  fitIds: Int32Array;
  /** S: the base model's matrix; T: the instruct model's (same rows, same width). */
  base: EmbeddingMatrix;
  instruct: EmbeddingMatrix;
  products: DenseProducts;
  /** Columns per ŜᵀŜ panel (default GRAM_PANEL_COLUMNS; smaller in tests to get several panels). */
  panelColumns?: number;
  /** Rows per ŜᵀT̂ GEMM (default CROSS_PANEL_ROWS; smaller in tests to get several). */
  crossRows?: number;
  /** Base rows per block (default `foldedBlockRows(width)`; smaller in tests to get several blocks). */
  blockRows?: number;
  /** Called after each block with the base rows done so far. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * M = AᵀA for the fit rows, split as M's diagonal (copied tokens add 1; a segmented token of k
 * pieces adds c²/k² for a piece it holds c times), its off-diagonal entries as CSR by base row
 * (1/k² for each ordered pair of distinct pieces), and the rows with no decomposition (the mean
 * of all base rows: a rank-one term).
 */
interface FoldedRows extends FoldedWeights {
  meanRows: number;
}

function foldedRows(segmentation: OldSegmentation, fitIds: Int32Array): FoldedRows {
  const { offsets, baseIds, baseRowCount } = segmentation;
  const diagonal = new Float64Array(baseRowCount);
  const counts = new Int32Array(baseRowCount + 1);
  let meanRows = 0;
  // Two passes over the ordered pairs of distinct pieces: count per row, then fill.
  const pairs = (visit: (row: number, column: number, weight: number) => void) => {
    for (let index = 0; index < fitIds.length; index += 1) {
      const id = fitIds[index];
      const from = offsets[id];
      const to = offsets[id + 1];
      const weight = 1 / ((to - from) * (to - from));
      for (let left = from; left < to; left += 1) {
        for (let right = from; right < to; right += 1) if (left !== right && baseIds[left] !== baseIds[right]) visit(baseIds[left], baseIds[right], weight);
      }
    }
  };
  for (let index = 0; index < fitIds.length; index += 1) {
    const id = fitIds[index];
    const from = offsets[id];
    const to = offsets[id + 1];
    if (to === from) meanRows += 1;
    const weight = 1 / ((to - from) * (to - from));
    for (let left = from; left < to; left += 1) {
      for (let right = from; right < to; right += 1) if (left === right || baseIds[left] === baseIds[right]) diagonal[baseIds[left]] += weight;
    }
  }
  pairs((row) => {
    counts[row + 1] += 1;
  });
  for (let row = 0; row < baseRowCount; row += 1) counts[row + 1] += counts[row];
  const cursor = counts.slice(0, baseRowCount);
  const columns = new Int32Array(counts[baseRowCount]);
  const weights = new Float64Array(counts[baseRowCount]);
  pairs((row, column, weight) => {
    const at = cursor[row]++;
    columns[at] = column;
    weights[at] = weight;
  });
  return { diagonal, offsets: counts, columns, weights, meanRows };
}

/**
 * The normal equations of `min_P ||Ŝ P − T̂||` (Ŝ = A S, T̂ = A T over `fitIds`, A the
 * mean-of-old-segmentation aggregation) folded onto the base rows: ŜᵀŜ = Sᵀ M S,
 * ŜᵀT̂ = Sᵀ M T and ||T̂||² = Σ_i T_i · (M T)_i with M = AᵀA, which is sparse (copied tokens
 * are on its diagonal, a segmented token of k pieces adds 1/k² between each pair of its pieces)
 * plus a rank-one term for the rows with no decomposition (the mean of all base rows). So the
 * float64 products run over the V_old base rows instead of the n fit rows (128,256 instead of
 * 174,560 for Llama-3 plus 46,560 tokens), and of the symmetric ŜᵀŜ only the column panels on or
 * above the diagonal are multiplied. Same sums as `accumulateFit` up to rounding order; one
 * block of base rows at a time, never V x d operands.
 */
export async function accumulateFoldedFit({
  segmentation,
  fitIds,
  base,
  instruct,
  products,
  panelColumns = GRAM_PANEL_COLUMNS,
  crossRows,
  blockRows: requestedBlockRows,
  onProgress,
}: AccumulateFoldedFitOptions): Promise<NormalEquations> {
  const width = base.width;
  const baseRowCount = segmentation.baseRowCount;
  const blockRows = requestedBlockRows ?? foldedBlockRows(width);
  const folded = foldedRows(segmentation, fitIds);
  const buffers = new FoldedBlockBuffers(Math.min(blockRows, baseRowCount), width);
  let sums: FoldedSums | undefined;
  let targetSquaredNorm = 0;
  for (let start = 0; start < baseRowCount; start += blockRows) {
    const count = Math.min(blockRows, baseRowCount - start);
    // X = S's rows and M X go to the GEMMs transposed, M T row-major (see DenseProducts.foldedBlocks).
    targetSquaredNorm += buildFoldedBlock(base, instruct, folded, start, count, buffers);
    sums = await products.foldedBlocks(buffers.sourceT, buffers.weightedT, buffers.target, count, width, panelColumns, sums, crossRows);
    onProgress?.(start + count, baseRowCount);
  }
  const equations = new NormalEquations(width);
  if (sums) products.foldedInto(sums, width, panelColumns, equations.gram, equations.cross);
  const { meanRows } = folded;
  if (meanRows > 0) {
    const baseMean = base.meanOfRows(baseRowCount);
    const instructMean = instruct.meanOfRows(baseRowCount);
    for (let i = 0; i < width; i += 1) {
      const scaled = meanRows * baseMean[i];
      for (let j = 0; j < width; j += 1) {
        equations.gram[i * width + j] += scaled * baseMean[j];
        equations.cross[i * width + j] += scaled * instructMean[j];
      }
      targetSquaredNorm += meanRows * instructMean[i] * instructMean[i];
    }
  }
  equations.targetSquaredNorm = targetSquaredNorm;
  equations.rows = fitIds.length;
  return equations;
}

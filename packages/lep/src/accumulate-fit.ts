import type { OldSegmentation } from "@graft/vocab";
import type { DenseProducts } from "./dense-products.js";
import type { EmbeddingMatrix } from "./embedding-matrix.js";
import { NormalEquations } from "./normal-equations.js";
import type { ProductPool } from "./product-pool.js";

/** Fit rows aggregated per block: 1024 x d float64 for Ŝ and T̂ (32 MiB each at d = 4096). */
export const FIT_BLOCK_ROWS = 1024;
/** Bytes of one aggregated block on ONNX Runtime: larger blocks, fewer GEMM calls (4096 rows at d = 1024). */
export const ONNX_FIT_BLOCK_BYTES = 32 << 20;

/** Rows per block: FIT_BLOCK_ROWS, or up to 8192 rows within ONNX_FIT_BLOCK_BYTES on ONNX Runtime. */
export function fitBlockRows(width: number, onnx: boolean): number {
  return onnx ? Math.min(8192, Math.max(FIT_BLOCK_ROWS, Math.floor(ONNX_FIT_BLOCK_BYTES / (8 * width)))) : FIT_BLOCK_ROWS;
}

export interface AccumulateFitOptions {
  segmentation: OldSegmentation;
  /** Rows of the extended (donor) vocabulary that take part in the fit. */
  fitIds: Int32Array;
  /** S: the base model's matrix; T: the instruct model's (same rows, same width). */
  base: EmbeddingMatrix;
  instruct: EmbeddingMatrix;
  /** Threads for the products in JavaScript (default: the calling thread). */
  pool?: ProductPool;
  /** ONNX Runtime products; when given, they are used instead of `pool`. */
  products?: DenseProducts;
  /** Called after each block with the rows done so far. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The normal equations of `min_P ||Ŝ P − T̂||` with Ŝ = A S, T̂ = A T restricted to `fitIds`
 * (A: the mean-of-old-segmentation aggregation matrix; a row without a decomposition is the
 * mean of all base rows). Rows of Ŝ and T̂ are built in float64 a block at a time and folded
 * into the float64 sums; the V x d operands never exist.
 */
export async function accumulateFit({ segmentation, fitIds, base, instruct, pool, products, onProgress }: AccumulateFitOptions): Promise<NormalEquations> {
  const width = base.width;
  const equations = new NormalEquations(width, pool);
  const blockRows = fitBlockRows(width, products !== undefined);
  const sourceBlock = new Float64Array(blockRows * width);
  const targetBlock = new Float64Array(blockRows * width);
  const { offsets, baseIds } = segmentation;
  let baseMean: Float64Array | undefined;
  let instructMean: Float64Array | undefined;
  for (let start = 0; start < fitIds.length; start += blockRows) {
    const count = Math.min(blockRows, fitIds.length - start);
    sourceBlock.fill(0, 0, count * width);
    targetBlock.fill(0, 0, count * width);
    for (let index = 0; index < count; index += 1) {
      const id = fitIds[start + index];
      const from = offsets[id];
      const to = offsets[id + 1];
      const offset = index * width;
      if (to === from) {
        baseMean ??= base.meanOfRows(segmentation.baseRowCount);
        instructMean ??= instruct.meanOfRows(segmentation.baseRowCount);
        sourceBlock.set(baseMean, offset);
        targetBlock.set(instructMean, offset);
        continue;
      }
      const scale = 1 / (to - from);
      for (let part = from; part < to; part += 1) {
        base.addRowTo(baseIds[part], sourceBlock, offset, scale);
        instruct.addRowTo(baseIds[part], targetBlock, offset, scale);
      }
    }
    if (products) await equations.addRowsWith(products, sourceBlock, targetBlock, count);
    else equations.addRows(sourceBlock, targetBlock, count);
    onProgress?.(start + count, fitIds.length);
  }
  return equations;
}

import type { EmbeddingMatrix } from "./embedding-matrix.js";

/** Base rows widened and transposed together: eight rows fill one cache line of each transposed column. */
export const FOLDED_CHUNK_ROWS = 8;

/**
 * M = AᵀA split as its diagonal, its off-diagonal entries as CSR by base row (`offsets`,
 * `columns`, `weights`), see `accumulateFoldedFit`.
 */
export interface FoldedWeights {
  diagonal: Float64Array;
  offsets: Int32Array;
  columns: Int32Array;
  weights: Float64Array;
}

/** Reused buffers of `buildFoldedBlock`: three of `blockRows x width` float64 values, three small ones. */
export class FoldedBlockBuffers {
  readonly sourceT: Float64Array;
  readonly weightedT: Float64Array;
  readonly target: Float64Array;
  readonly chunkWeighted: Float64Array;
  readonly chunkBase: Float32Array;
  readonly chunkInstruct: Float32Array;

  constructor(
    readonly blockRows: number,
    readonly width: number,
  ) {
    this.sourceT = new Float64Array(blockRows * width);
    this.weightedT = new Float64Array(blockRows * width);
    this.target = new Float64Array(blockRows * width);
    this.chunkWeighted = new Float64Array(FOLDED_CHUNK_ROWS * width);
    this.chunkBase = new Float32Array(FOLDED_CHUNK_ROWS * width);
    this.chunkInstruct = new Float32Array(FOLDED_CHUNK_ROWS * width);
  }
}

/**
 * Writes `values` (`chunkRows x width` row-major, chunkRows <= 8) transposed into columns
 * `[at, at + chunkRows)` of `target` (`width x rows` row-major).
 */
function transposeChunkInto(values: Float32Array | Float64Array, chunkRows: number, width: number, target: Float64Array, rows: number, at: number): void {
  if (chunkRows === FOLDED_CHUNK_ROWS) {
    const r1 = width;
    const r2 = 2 * width;
    const r3 = 3 * width;
    const r4 = 4 * width;
    const r5 = 5 * width;
    const r6 = 6 * width;
    const r7 = 7 * width;
    for (let column = 0, to = at; column < width; column += 1, to += rows) {
      target[to] = values[column];
      target[to + 1] = values[r1 + column];
      target[to + 2] = values[r2 + column];
      target[to + 3] = values[r3 + column];
      target[to + 4] = values[r4 + column];
      target[to + 5] = values[r5 + column];
      target[to + 6] = values[r6 + column];
      target[to + 7] = values[r7 + column];
    }
    return;
  }
  for (let row = 0; row < chunkRows; row += 1) {
    for (let column = 0; column < width; column += 1) target[column * rows + at + row] = values[row * width + column];
  }
}

/**
 * One block of the folded fit, base rows `[start, start + count)`, in one pass over the stored
 * rows: `sourceT` = Xᵀ and `weightedT` = (M X)ᵀ (`width x count`, row-major) with X = S's rows,
 * `target` = M T (`count x width`, row-major), and the block's share Σ_i T_i · (M T)_i of ||T̂||²
 * (returned). Eight rows at a time are widened to float32 (exact for bf16), scaled by M's
 * diagonal, given M's off-diagonal entries and transposed while they are in cache, so each
 * float64 block is written once and never read back here (by count of bytes, the block-sized
 * passes of widening, copying, scaling and transposing it replaced moved about 2 GB a 4,096-row
 * block at d = 4,096, this about 0.4 GB). The values are the same bits as those passes'.
 * `count` must not exceed `buffers.blockRows`.
 */
export function buildFoldedBlock(
  base: EmbeddingMatrix,
  instruct: EmbeddingMatrix,
  folded: FoldedWeights,
  start: number,
  count: number,
  buffers: FoldedBlockBuffers,
): number {
  const { width } = buffers;
  const { sourceT, weightedT, target, chunkWeighted, chunkBase, chunkInstruct } = buffers;
  const { diagonal, offsets, columns, weights } = folded;
  if (count > buffers.blockRows) throw new RangeError(`buildFoldedBlock: ${count} rows do not fit buffers of ${buffers.blockRows}`);
  let squares = 0;
  for (let first = 0; first < count; first += FOLDED_CHUNK_ROWS) {
    const chunkRows = Math.min(FOLDED_CHUNK_ROWS, count - first);
    const baseValues = base.rowsAsFloat32(start + first, chunkRows, chunkBase);
    const instructValues = instruct.rowsAsFloat32(start + first, chunkRows, chunkInstruct);
    for (let row = 0; row < chunkRows; row += 1) {
      const id = start + first + row;
      const weight = diagonal[id];
      const chunkOffset = row * width;
      const targetOffset = (first + row) * width;
      for (let column = 0; column < width; column += 1) {
        chunkWeighted[chunkOffset + column] = baseValues[chunkOffset + column] * weight;
        target[targetOffset + column] = instructValues[chunkOffset + column] * weight;
      }
      for (let entry = offsets[id]; entry < offsets[id + 1]; entry += 1) {
        base.addRowTo(columns[entry], chunkWeighted, chunkOffset, weights[entry]);
        instruct.addRowTo(columns[entry], target, targetOffset, weights[entry]);
      }
      let rowSquares = 0;
      for (let column = 0; column < width; column += 1) rowSquares += instructValues[chunkOffset + column] * target[targetOffset + column];
      squares += rowSquares;
    }
    transposeChunkInto(baseValues, chunkRows, width, sourceT, count, first);
    transposeChunkInto(chunkWeighted, chunkRows, width, weightedT, count, first);
  }
  return squares;
}

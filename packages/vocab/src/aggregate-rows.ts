import type { OldSegmentation } from "./old-segmentation.js";

export interface AggregateRowsOptions {
  segmentation: OldSegmentation;
  /** The base matrix, row-major `baseRowCount x hiddenSize` (e.g. `embed_tokens` as float32). */
  baseMatrix: Float32Array;
  hiddenSize: number;
  /** First output row (default 0). */
  start?: number;
  /** Output rows (default: all rows from `start`). */
  count?: number;
  /** Mean of all base rows, when the caller has it already (see `meanOfRows`). */
  meanRow?: Float64Array;
}

/** Mean of every row of a row-major matrix, accumulated in float64. */
export function meanOfRows(matrix: Float32Array, hiddenSize: number, rowCount = matrix.length / hiddenSize): Float64Array {
  const sum = new Float64Array(hiddenSize);
  for (let row = 0; row < rowCount; row += 1) {
    const offset = row * hiddenSize;
    for (let column = 0; column < hiddenSize; column += 1) sum[column] += matrix[offset + column];
  }
  for (let column = 0; column < hiddenSize; column += 1) sum[column] /= rowCount;
  return sum;
}

/**
 * Rows `start .. start + count` of `A · baseMatrix` (A = the aggregation matrix of LEP's mean
 * initialisation): each row is the mean, accumulated in float64 and rounded once to float32, of
 * the base rows of its old segmentation; copied rows are exact copies; rows without a
 * decomposition (and padding rows) get the mean of all base rows. Work in blocks of rows to keep
 * the output small.
 */
export function aggregateRows({ segmentation, baseMatrix, hiddenSize, start = 0, count, meanRow }: AggregateRowsOptions): Float32Array {
  const rows = count ?? segmentation.rowCount - start;
  if (start < 0 || rows < 0 || start + rows > segmentation.rowCount) {
    throw new RangeError(`aggregateRows: rows ${start}..${start + rows} are outside 0..${segmentation.rowCount}`);
  }
  if (baseMatrix.length < segmentation.baseRowCount * hiddenSize) {
    throw new RangeError(`aggregateRows: the base matrix has ${baseMatrix.length / hiddenSize} rows, the base tokenizer needs ${segmentation.baseRowCount}`);
  }
  const output = new Float32Array(rows * hiddenSize);
  const accumulator = new Float64Array(hiddenSize);
  let allRowsMean = meanRow;
  const { offsets, baseIds } = segmentation;
  for (let row = 0; row < rows; row += 1) {
    const id = start + row;
    const from = offsets[id];
    const to = offsets[id + 1];
    const target = row * hiddenSize;
    if (to === from) {
      allRowsMean ??= meanOfRows(baseMatrix, hiddenSize, segmentation.baseRowCount);
      for (let column = 0; column < hiddenSize; column += 1) output[target + column] = allRowsMean[column];
      continue;
    }
    if (to - from === 1) {
      const source = baseIds[from] * hiddenSize;
      output.set(baseMatrix.subarray(source, source + hiddenSize), target);
      continue;
    }
    accumulator.fill(0);
    for (let index = from; index < to; index += 1) {
      const source = baseIds[index] * hiddenSize;
      for (let column = 0; column < hiddenSize; column += 1) accumulator[column] += baseMatrix[source + column];
    }
    const parts = to - from;
    for (let column = 0; column < hiddenSize; column += 1) output[target + column] = accumulator[column] / parts;
  }
  return output;
}

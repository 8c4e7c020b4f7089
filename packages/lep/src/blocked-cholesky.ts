import { type CholeskyResult, choleskyFactor, lowerTriangularInverse, pivotTolerance } from "./cholesky.js";
import type { DenseProducts } from "./dense-products.js";
import { transposeSquare } from "./transpose-square.js";

/** Columns per block of the blocked factorisation and substitutions. */
export const CHOLESKY_BLOCK_COLUMNS = 256;

/** Rows `[row, row + rows)` x columns `[column, column + columns)` of a row-major matrix `width` wide (a copy). */
function extract(matrix: Float64Array, width: number, row: number, rows: number, column: number, columns: number): Float64Array {
  const block = new Float64Array(rows * columns);
  for (let index = 0; index < rows; index += 1)
    block.set(matrix.subarray((row + index) * width + column, (row + index) * width + column + columns), index * columns);
  return block;
}

function place(matrix: Float64Array, width: number, row: number, column: number, block: Float64Array, rows: number, columns: number): void {
  for (let index = 0; index < rows; index += 1) matrix.set(block.subarray(index * columns, (index + 1) * columns), (row + index) * width + column);
}

/**
 * The Cholesky factor of `matrix + ridge · I` (symmetric, full, row-major) by blocks of `block`
 * columns: each diagonal block is factored in JavaScript (`choleskyFactor`, the pivot tolerance
 * of the whole matrix), the panel below it (B · L_kk⁻ᵀ) and the trailing update (A − L Lᵀ) are
 * float64 GEMMs on ONNX Runtime. The same result as `choleskyFactor` up to rounding, with the
 * d³/3 multiply-adds off the JavaScript thread.
 */
export async function blockedCholeskyFactor(
  products: DenseProducts,
  matrix: Float64Array,
  width: number,
  ridge = 0,
  block = CHOLESKY_BLOCK_COLUMNS,
): Promise<CholeskyResult> {
  const tolerance = pivotTolerance(matrix, width, ridge);
  if (width <= block) return choleskyFactor(matrix, width, ridge, tolerance);
  const factor = new Float64Array(width * width);
  // The trailing matrix still to factor, (width − start)² and contiguous.
  let trailing: Float64Array = Float64Array.from(matrix);
  for (let i = 0; i < width; i += 1) trailing[i * width + i] += ridge;
  for (let start = 0; start < width; start += block) {
    const size = width - start;
    const columns = Math.min(block, size);
    const diagonal = choleskyFactor(extract(trailing, size, 0, columns, 0, columns), columns, 0, tolerance);
    if (!diagonal.ok) return { ok: false, pivotIndex: start + diagonal.pivotIndex, pivot: diagonal.pivot };
    place(factor, width, start, start, diagonal.factor, columns, columns);
    const rest = size - columns;
    if (rest === 0) break;
    const inverseTransposed = transposeSquare(lowerTriangularInverse(diagonal.factor, columns), columns);
    const panel = Float64Array.from(await products.multiply(extract(trailing, size, columns, rest, 0, columns), rest, inverseTransposed, columns));
    place(factor, width, start + columns, start, panel, rest, columns);
    trailing = await products.update("transB", panel, [rest, columns], panel, [rest, columns], extract(trailing, size, columns, rest, columns, rest));
  }
  return { ok: true, factor };
}

/**
 * Solves `L Lᵀ X = B` for row-major `rightHandSides` (width x columns) by blocks: forward then
 * backward substitution, each block row one float64 GEMM update on ONNX Runtime and one
 * multiplication by the inverse of its small diagonal block. d³ multiply-adds for d columns.
 */
export async function blockedCholeskySolve(
  products: DenseProducts,
  factor: Float64Array,
  width: number,
  rightHandSides: Float64Array,
  columns: number,
  block = CHOLESKY_BLOCK_COLUMNS,
): Promise<Float64Array> {
  const forward = new Float64Array(width * columns);
  const inverses: Float64Array[] = [];
  for (let start = 0, index = 0; start < width; start += block, index += 1) {
    const rows = Math.min(block, width - start);
    inverses.push(lowerTriangularInverse(extract(factor, width, start, rows, start, rows), rows));
    let values: Float64Array = rightHandSides.subarray(start * columns, (start + rows) * columns);
    if (start > 0)
      values = await products.update(
        "plain",
        extract(factor, width, start, rows, 0, start),
        [rows, start],
        forward.subarray(0, start * columns),
        [start, columns],
        values,
      );
    // y = L_ii⁻¹ · values, written as 0 − (−L_ii⁻¹) · values (the one GEMM form DenseProducts runs).
    forward.set(
      await products.update("plain", negated(inverses[index]!), [rows, rows], values, [rows, columns], new Float64Array(rows * columns)),
      start * columns,
    );
  }
  const solution = new Float64Array(width * columns);
  for (let index = inverses.length - 1; index >= 0; index -= 1) {
    const start = index * block;
    const rows = Math.min(block, width - start);
    const end = start + rows;
    let values: Float64Array = forward.subarray(start * columns, end * columns);
    if (end < width)
      values = await products.update(
        "transA",
        extract(factor, width, end, width - end, start, rows),
        [width - end, rows],
        solution.subarray(end * columns),
        [width - end, columns],
        values,
      );
    // x = L_iiᵀ⁻¹ · values: 0 − (−L_ii⁻¹)ᵀ · values.
    solution.set(
      await products.update("transA", negated(inverses[index]!), [rows, rows], values, [rows, columns], new Float64Array(rows * columns)),
      start * columns,
    );
  }
  return solution;
}

function negated(matrix: Float64Array): Float64Array {
  return matrix.map((value) => -value);
}

/**
 * Relative pivot threshold: a pivot below `width * ε * max diagonal` means the matrix is not
 * numerically positive definite (the factor would amplify rounding beyond float64's precision).
 */
export const CHOLESKY_RELATIVE_PIVOT_TOLERANCE = Number.EPSILON;

/** The smallest acceptable pivot of `matrix + ridge · I`: width · ε · its largest diagonal. */
export function pivotTolerance(matrix: Float64Array, width: number, ridge: number): number {
  let largestDiagonal = 0;
  for (let i = 0; i < width; i += 1) largestDiagonal = Math.max(largestDiagonal, Math.abs(matrix[i * width + i] + ridge));
  return width * CHOLESKY_RELATIVE_PIVOT_TOLERANCE * largestDiagonal;
}

/** Result of `choleskyFactor`: the lower factor, or the row where it broke down. */
export type CholeskyResult = { ok: true; factor: Float64Array } | { ok: false; pivotIndex: number; pivot: number };

/**
 * Cholesky factor L (row-major, lower triangle; the upper triangle is zero) of the symmetric
 * matrix `matrix + ridge · I` (only its lower triangle is read), in float64. A pivot at or
 * below `tolerance` (default `pivotTolerance`) means not positive definite.
 */
export function choleskyFactor(matrix: Float64Array, width: number, ridge = 0, tolerance = pivotTolerance(matrix, width, ridge)): CholeskyResult {
  const factor = new Float64Array(width * width);
  for (let i = 0; i < width; i += 1) {
    const rowI = i * width;
    for (let j = 0; j <= i; j += 1) {
      const rowJ = j * width;
      let sum = matrix[rowI + j] + (i === j ? ridge : 0);
      let k = 0;
      for (; k + 4 <= j; k += 4) {
        sum -=
          factor[rowI + k] * factor[rowJ + k] +
          factor[rowI + k + 1] * factor[rowJ + k + 1] +
          factor[rowI + k + 2] * factor[rowJ + k + 2] +
          factor[rowI + k + 3] * factor[rowJ + k + 3];
      }
      for (; k < j; k += 1) sum -= factor[rowI + k] * factor[rowJ + k];
      if (i === j) {
        if (!(sum > tolerance)) return { ok: false, pivotIndex: i, pivot: sum };
        factor[rowI + i] = Math.sqrt(sum);
      } else {
        factor[rowI + j] = sum / factor[rowJ + j];
      }
    }
  }
  return { ok: true, factor };
}

/** Right-hand columns solved together: 4 accumulators share each load of the factor. */
const SOLVE_PANEL = 4;

/**
 * Solves `L Lᵀ X = B` for `columns` right-hand sides given column by column (
 * column c is `rightHandSides[c * width .. (c + 1) * width)`); the result has the same layout.
 */
export function choleskySolveColumns(factor: Float64Array, width: number, rightHandSides: Float64Array, columns: number): Float64Array {
  const solution = new Float64Array(columns * width);
  // Up to four columns at a time in a zero-padded scratch panel (a missing column solves 0 = 0).
  const panelValues = new Float64Array(SOLVE_PANEL * width);
  const o0 = 0,
    o1 = width,
    o2 = 2 * width,
    o3 = 3 * width;
  for (let start = 0; start < columns; start += SOLVE_PANEL) {
    const panel = Math.min(SOLVE_PANEL, columns - start);
    panelValues.fill(0);
    panelValues.set(rightHandSides.subarray(start * width, (start + panel) * width));
    // Forward: L y = b, row by row (dot products along the factor's rows).
    for (let i = 0; i < width; i += 1) {
      const row = i * width;
      let s0 = panelValues[o0 + i],
        s1 = panelValues[o1 + i],
        s2 = panelValues[o2 + i],
        s3 = panelValues[o3 + i];
      for (let k = 0; k < i; k += 1) {
        const l = factor[row + k];
        s0 -= l * panelValues[o0 + k];
        s1 -= l * panelValues[o1 + k];
        s2 -= l * panelValues[o2 + k];
        s3 -= l * panelValues[o3 + k];
      }
      const diagonal = factor[row + i];
      panelValues[o0 + i] = s0 / diagonal;
      panelValues[o1 + i] = s1 / diagonal;
      panelValues[o2 + i] = s2 / diagonal;
      panelValues[o3 + i] = s3 / diagonal;
    }
    // Backward: Lᵀ x = y; column i of L is row i of Lᵀ, so subtract x_i times it (axpy along rows).
    for (let i = width - 1; i >= 0; i -= 1) {
      const row = i * width;
      const diagonal = factor[row + i];
      panelValues[o0 + i] /= diagonal;
      const x0 = panelValues[o0 + i];
      panelValues[o1 + i] /= diagonal;
      const x1 = panelValues[o1 + i];
      panelValues[o2 + i] /= diagonal;
      const x2 = panelValues[o2 + i];
      panelValues[o3 + i] /= diagonal;
      const x3 = panelValues[o3 + i];
      for (let k = 0; k < i; k += 1) {
        const l = factor[row + k];
        panelValues[o0 + k] -= l * x0;
        panelValues[o1 + k] -= l * x1;
        panelValues[o2 + k] -= l * x2;
        panelValues[o3 + k] -= l * x3;
      }
    }
    solution.set(panelValues.subarray(0, panel * width), start * width);
  }
  return solution;
}

/**
 * Solves `L Lᵀ x = b` for one right-hand side (a new array): forward by dot products along the
 * factor's rows, backward by axpys along them, so both passes read the factor contiguously and
 * once (`choleskySolveColumns` would pad one column to four).
 */
export function choleskySolveVector(factor: Float64Array, width: number, rightHandSide: Float64Array): Float64Array {
  const values = Float64Array.from(rightHandSide.subarray(0, width));
  for (let i = 0; i < width; i += 1) {
    const row = i * width;
    let s0 = values[i],
      s1 = 0,
      s2 = 0,
      s3 = 0;
    let k = 0;
    for (; k + 4 <= i; k += 4) {
      s0 -= factor[row + k] * values[k];
      s1 -= factor[row + k + 1] * values[k + 1];
      s2 -= factor[row + k + 2] * values[k + 2];
      s3 -= factor[row + k + 3] * values[k + 3];
    }
    for (; k < i; k += 1) s0 -= factor[row + k] * values[k];
    values[i] = (s0 + s1 + s2 + s3) / factor[row + i];
  }
  for (let i = width - 1; i >= 0; i -= 1) {
    const row = i * width;
    values[i] /= factor[row + i];
    const x = values[i];
    for (let k = 0; k < i; k += 1) values[k] -= factor[row + k] * x;
  }
  return values;
}

/**
 * L⁻¹ for a lower-triangular L (row-major; the result is lower-triangular too), built a row at
 * a time: row i of L⁻¹ is −(1/L_ii) Σ_{k<i} L_ik · (row k of L⁻¹), plus 1/L_ii on the diagonal.
 * width³/6 multiply-adds on contiguous rows.
 */
export function lowerTriangularInverse(factor: Float64Array, width: number): Float64Array {
  const inverse = new Float64Array(width * width);
  for (let i = 0; i < width; i += 1) {
    const rowI = i * width;
    for (let k = 0; k < i; k += 1) {
      const l = factor[rowI + k];
      if (l === 0) continue;
      const rowK = k * width;
      for (let j = 0; j <= k; j += 1) inverse[rowI + j] -= l * inverse[rowK + j];
    }
    const reciprocal = 1 / factor[rowI + i];
    for (let j = 0; j < i; j += 1) inverse[rowI + j] *= reciprocal;
    inverse[rowI + i] = reciprocal;
  }
  return inverse;
}

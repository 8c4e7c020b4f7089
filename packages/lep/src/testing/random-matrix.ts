import { seededNormal } from "@graft/utils";
/** A rows x columns row-major float64 matrix of seeded normal samples times `scale`. */
export function randomMatrix(rows: number, columns: number, seed: number, scale = 1): Float64Array {
  const sample = seededNormal(seed);
  const values = new Float64Array(rows * columns);
  for (let index = 0; index < values.length; index += 1) values[index] = sample() * scale;
  return values;
}

/** Row-major product (rows x inner) · (inner x columns) in float64. */
export function multiply(left: Float64Array, right: Float64Array, rows: number, inner: number, columns: number): Float64Array {
  const product = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i += 1) {
    for (let k = 0; k < inner; k += 1) {
      const value = left[i * inner + k];
      if (value === 0) continue;
      for (let j = 0; j < columns; j += 1) product[i * columns + j] += value * right[k * columns + j];
    }
  }
  return product;
}

/** ||a − b||_F / ||b||_F. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let difference = 0;
  let norm = 0;
  for (let index = 0; index < expected.length; index += 1) {
    difference += (actual[index] - expected[index]) ** 2;
    norm += expected[index] ** 2;
  }
  return Math.sqrt(difference / norm);
}

import { choleskySolveColumns } from "./cholesky.js";

/** Power / inverse-iteration steps: the Rayleigh quotients converge well within a factor of 2. */
export const CONDITION_ITERATIONS = 30;

function normalise(vector: Float64Array): number {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let index = 0; index < vector.length; index += 1) vector[index] /= norm;
  return norm;
}

/** A fixed, dense start vector (all components non-zero, no randomness: reports are reproducible). */
function startVector(width: number): Float64Array {
  const vector = new Float64Array(width);
  for (let index = 0; index < width; index += 1) vector[index] = 1 + ((index * 7919) % 97) / 97;
  normalise(vector);
  return vector;
}

/**
 * The 2-norm condition number of the symmetric positive definite `matrix + ridge · I`
 * estimated as λmax / λmin: λmax by power iteration, λmin by inverse iteration with its
 * Cholesky factor. O(width²) per step.
 */
export function conditionEstimate(matrix: Float64Array, factor: Float64Array, width: number, ridge: number): { condition: number; largest: number; smallest: number } {
  let vector = startVector(width);
  const product = new Float64Array(width);
  let largest = 0;
  for (let step = 0; step < CONDITION_ITERATIONS; step += 1) {
    for (let i = 0; i < width; i += 1) {
      const row = i * width;
      let sum = ridge * vector[i];
      for (let k = 0; k < width; k += 1) sum += matrix[row + k] * vector[k];
      product[i] = sum;
    }
    largest = normalise(product);
    vector.set(product);
  }
  vector = startVector(width);
  let inverseLargest = 0;
  for (let step = 0; step < CONDITION_ITERATIONS; step += 1) {
    const solved = choleskySolveColumns(factor, width, vector, 1);
    inverseLargest = normalise(solved);
    vector = solved;
  }
  const smallest = inverseLargest > 0 ? 1 / inverseLargest : 0;
  return { condition: smallest > 0 ? largest / smallest : Number.POSITIVE_INFINITY, largest, smallest };
}

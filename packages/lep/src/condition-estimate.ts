import { choleskySolveVector } from "./cholesky.js";

/** Most power / inverse-iteration steps: the Rayleigh quotients converge well within a factor of 2. */
export const CONDITION_ITERATIONS = 30;

/**
 * A run of steps stops early once its estimate changes by less than this (relative) in a step:
 * each step streams the whole factor (128 MiB at d = 4,096, memory-bound), and well separated
 * extreme eigenvalues settle in a few steps.
 */
export const CONDITION_SETTLED = 1e-6;

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
 * Cholesky factor. O(width²) per step, at most CONDITION_ITERATIONS steps each (fewer once settled).
 */
export function conditionEstimate(
  matrix: Float64Array,
  factor: Float64Array,
  width: number,
  ridge: number,
): { condition: number; largest: number; smallest: number } {
  let vector = startVector(width);
  const product = new Float64Array(width);
  let largest = 0;
  for (let step = 0; step < CONDITION_ITERATIONS; step += 1) {
    for (let i = 0; i < width; i += 1) {
      const row = i * width;
      let s0 = ridge * vector[i],
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let k = 0;
      for (; k + 4 <= width; k += 4) {
        s0 += matrix[row + k] * vector[k];
        s1 += matrix[row + k + 1] * vector[k + 1];
        s2 += matrix[row + k + 2] * vector[k + 2];
        s3 += matrix[row + k + 3] * vector[k + 3];
      }
      for (; k < width; k += 1) s0 += matrix[row + k] * vector[k];
      product[i] = s0 + s1 + s2 + s3;
    }
    const previous = largest;
    largest = normalise(product);
    vector.set(product);
    if (step >= 2 && Math.abs(largest - previous) <= CONDITION_SETTLED * largest) break;
  }
  vector = startVector(width);
  let inverseLargest = 0;
  for (let step = 0; step < CONDITION_ITERATIONS; step += 1) {
    const solved = choleskySolveVector(factor, width, vector);
    const previous = inverseLargest;
    inverseLargest = normalise(solved);
    vector = solved;
    if (step >= 2 && Math.abs(inverseLargest - previous) <= CONDITION_SETTLED * inverseLargest) break;
  }
  const smallest = inverseLargest > 0 ? 1 / inverseLargest : 0;
  return { condition: smallest > 0 ? largest / smallest : Number.POSITIVE_INFINITY, largest, smallest };
}

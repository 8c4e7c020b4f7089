import { describe, expect, it } from "vitest";
import { choleskyFactor, choleskySolveColumns, choleskySolveVector } from "./cholesky.js";
import { conditionEstimate } from "./condition-estimate.js";
import { randomMatrix, relativeError } from "./testing/random-matrix.js";

function gramOf(x: Float64Array, rows: number, width: number): Float64Array {
  const gram = new Float64Array(width * width);
  for (let r = 0; r < rows; r += 1)
    for (let i = 0; i < width; i += 1) for (let j = 0; j < width; j += 1) gram[i * width + j] += x[r * width + i]! * x[r * width + j]!;
  return gram;
}

describe("choleskySolveVector", () => {
  it("solves L Lᵀ x = b like one column of choleskySolveColumns, and A x = b", () => {
    const width = 37; // not a multiple of the four accumulators
    const gram = gramOf(randomMatrix(90, width, 11), 90, width);
    const factored = choleskyFactor(gram, width);
    if (!factored.ok) throw new Error("test matrix is not positive definite");
    const b = randomMatrix(1, width, 12);
    const x = choleskySolveVector(factored.factor, width, b);
    expect(relativeError(x, choleskySolveColumns(factored.factor, width, b, 1))).toBeLessThan(1e-12);
    const ax = new Float64Array(width);
    for (let i = 0; i < width; i += 1) for (let k = 0; k < width; k += 1) ax[i] += gram[i * width + k]! * x[k]!;
    expect(relativeError(ax, b)).toBeLessThan(1e-12);
    expect(b).toEqual(randomMatrix(1, width, 12)); // the right-hand side is left alone
  });
});

describe("conditionEstimate", () => {
  it("finds λmax / λmin of a matrix with known, separated extreme eigenvalues", () => {
    const width = 30;
    // Q diag(λ) Qᵀ for an orthonormal Q (Householder reflection of a random unit vector).
    const eigenvalues = Array.from({ length: width }, (_, i) => (i === 0 ? 0.25 : i === width - 1 ? 400 : 1 + i));
    const v = randomMatrix(1, width, 13);
    const norm = Math.hypot(...v);
    const q = (i: number, j: number) => (i === j ? 1 : 0) - (2 * v[i]! * v[j]!) / (norm * norm);
    const matrix = new Float64Array(width * width);
    for (let i = 0; i < width; i += 1)
      for (let j = 0; j < width; j += 1) for (let k = 0; k < width; k += 1) matrix[i * width + j] += q(i, k) * eigenvalues[k]! * q(j, k);
    const factored = choleskyFactor(matrix, width);
    if (!factored.ok) throw new Error("test matrix is not positive definite");
    const estimate = conditionEstimate(matrix, factored.factor, width, 0);
    // Stopped once settled (a step changing the estimate by under CONDITION_SETTLED): close, not exact.
    expect(Math.abs(estimate.largest / 400 - 1)).toBeLessThan(1e-6);
    expect(Math.abs(estimate.smallest / 0.25 - 1)).toBeLessThan(1e-6);
    expect(estimate.condition / 1600).toBeGreaterThan(1 - 1e-6);
    expect(estimate.condition / 1600).toBeLessThan(1 + 1e-6);
    // A ridge shifts every eigenvalue.
    const ridged = choleskyFactor(matrix, width, 0.75);
    if (!ridged.ok) throw new Error("ridged matrix is not positive definite");
    expect(conditionEstimate(matrix, ridged.factor, width, 0.75).condition).toBeCloseTo(400.75, 3);
  });
});

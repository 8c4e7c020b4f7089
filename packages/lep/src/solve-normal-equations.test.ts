import { runPythonJson } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MapApplier } from "./apply-map.js";
import { DenseProducts } from "./dense-products.js";
import { NormalEquations } from "./normal-equations.js";
import { SingularSystemError } from "./singular-system-error.js";
import { type SolvedMap, type SolveOptions, solveNormalEquations, solveNormalEquationsWith } from "./solve-normal-equations.js";
import { multiply, randomMatrix, relativeError } from "./testing/random-matrix.js";

/** numpy's answer for the same X, Y, λ: lstsq (λ = 0) or the ridge solution, residual, condition. */
const NUMPY_REFERENCE = `
import json, sys
import numpy as np
rows, width, ridge = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
data = np.frombuffer(sys.stdin.buffer.read(), dtype="<f8")
x = data[: rows * width].reshape(rows, width)
y = data[rows * width : 2 * rows * width].reshape(rows, width)
donor = data[2 * rows * width :].reshape(-1, width)
if ridge == 0:
    p = np.linalg.lstsq(x, y, rcond=None)[0]
else:
    p = np.linalg.solve(x.T @ x + ridge * np.eye(width), x.T @ y)
residual = np.linalg.norm(x @ p - y) / np.linalg.norm(y)
condition = np.linalg.cond(x.T @ x + ridge * np.eye(width))
print(json.dumps({"map": p.ravel().tolist(), "residual": residual, "condition": condition, "applied": (donor @ p).ravel().tolist()}))
`;

interface Reference {
  map: number[];
  residual: number;
  condition: number;
  applied: number[];
}

function numpyReference(x: Float64Array, y: Float64Array, donor: Float64Array, rows: number, width: number, ridge: number): Reference {
  const input = Buffer.concat([x, y, donor].map((matrix) => Buffer.from(matrix.buffer, matrix.byteOffset, matrix.byteLength)));
  return runPythonJson<Reference>(NUMPY_REFERENCE, { args: [String(rows), String(width), String(ridge)], input });
}

function accumulate(x: Float64Array, y: Float64Array, rows: number, width: number, blockRows: number): NormalEquations {
  const equations = new NormalEquations(width);
  for (let start = 0; start < rows; start += blockRows) {
    const count = Math.min(blockRows, rows - start);
    equations.addRows(x.subarray(start * width, (start + count) * width), y.subarray(start * width, (start + count) * width), count);
  }
  return equations;
}

let products: DenseProducts;
beforeAll(async () => {
  products = await DenseProducts.open(2);
});
afterAll(async () => {
  await products.release();
});

/** Both solvers: Cholesky substitution in JavaScript, and the inverse-factor GEMMs on ONNX Runtime. */
const SOLVERS: { name: string; solve: (equations: NormalEquations, options: SolveOptions) => Promise<SolvedMap> }[] = [
  { name: "javascript", solve: async (equations, options) => solveNormalEquations(equations, options) },
  { name: "onnxruntime", solve: (equations, options) => solveNormalEquationsWith(products, equations, options) },
];

describe.each(SOLVERS)("solveNormalEquations ($name) against numpy", ({ solve }) => {
  const cases = [
    // Exact fit Y = X·D: P recovers D (the LEP ground truth), residual ~0.
    { name: "exact fit, odd sizes", rows: 1001, width: 37, noise: 0, ridge: 0, blockRows: 300, seed: 1 },
    { name: "noisy fit (least squares, residual > 0)", rows: 700, width: 64, noise: 0.5, ridge: 0, blockRows: 256, seed: 2 },
    { name: "ridge", rows: 400, width: 33, noise: 0.1, ridge: 25, blockRows: 1000, seed: 3 },
    { name: "ill conditioned columns", rows: 600, width: 20, noise: 0.01, ridge: 0, blockRows: 7, seed: 4, columnScale: 1e-3 },
  ];
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const { rows, width, seed } = testCase;
      const x = randomMatrix(rows, width, seed);
      if (testCase.columnScale) for (let row = 0; row < rows; row += 1) x[row * width] *= testCase.columnScale;
      const truth = randomMatrix(width, width, seed + 100, 1 / Math.sqrt(width));
      const y = multiply(x, truth, rows, width, width);
      const noise = randomMatrix(rows, width, seed + 200, testCase.noise);
      for (let index = 0; index < y.length; index += 1) y[index] += noise[index];
      const donor = randomMatrix(50, width, seed + 300);

      const solved = await solve(accumulate(x, y, rows, width, testCase.blockRows), { module: testCase.name, ridge: testCase.ridge });
      const reference = numpyReference(x, y, donor, rows, width, testCase.ridge);

      expect(solved.ridge).toBe(testCase.ridge);
      expect(solved.ridgeFallbackUsed).toBe(false);
      expect(solved.rows).toBe(rows);
      expect(relativeError(solved.map, reference.map)).toBeLessThan(testCase.columnScale ? 1e-6 : 1e-10);
      if (testCase.noise === 0) {
        expect(relativeError(solved.map, truth)).toBeLessThan(1e-10);
        expect(solved.residual).toBeLessThan(1e-6);
      } else {
        expect(Math.abs(solved.residual - reference.residual) / reference.residual).toBeLessThan(1e-6);
      }
      expect(solved.condition / reference.condition).toBeGreaterThan(0.5);
      expect(solved.condition / reference.condition).toBeLessThan(1.0 + 1e-9);
      const applied = new MapApplier(solved.map, width).apply(donor);
      expect(relativeError(applied, reference.applied)).toBeLessThan(1e-6);
    });
  }
});

describe.each(SOLVERS)("solveNormalEquations ($name) on singular systems", ({ solve }) => {
  const rows = 200;
  const width = 16;
  // Column 5 repeats column 2: XᵀX is singular, the least-squares map is not unique.
  const x = randomMatrix(rows, width, 9);
  for (let row = 0; row < rows; row += 1) x[row * width + 5] = x[row * width + 2];
  const y = randomMatrix(rows, width, 10);

  it("throws SingularSystemError without a ridge and without the fallback", async () => {
    const run = () => solve(accumulate(x, y, rows, width, 64), { module: "model.embed_tokens.weight", ridgeFallback: false });
    await expect(run()).rejects.toThrow(SingularSystemError);
    try {
      await run();
    } catch (error) {
      expect(SingularSystemError.isInstance(error)).toBe(true);
      expect((error as SingularSystemError).module).toBe("model.embed_tokens.weight");
      expect((error as SingularSystemError).pivotIndex).toBe(5);
      expect((error as Error).message).toMatch(/--ridge/);
    }
  });

  it("falls back to a small ridge and says so", async () => {
    const solved = await solve(accumulate(x, y, rows, width, 64), { module: "m" });
    expect(solved.ridgeFallbackUsed).toBe(true);
    expect(solved.ridge).toBeGreaterThan(0);
    expect(Number.isFinite(solved.condition)).toBe(true);
    // The ridge picks the minimum-norm solution numpy's lstsq returns.
    const reference = numpyReference(x, y, new Float64Array(width), rows, width, 0);
    expect(relativeError(solved.map, reference.map)).toBeLessThan(1e-4);
  });

  it("all-zero rows cannot be rescued by the fallback", async () => {
    const zeros = new Float64Array(rows * width);
    await expect(solve(accumulate(zeros, y, rows, width, 64), { module: "m" })).rejects.toThrow(/degenerate/);
  });
});

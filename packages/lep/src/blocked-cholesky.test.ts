import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockedCholeskyFactor, blockedCholeskySolve } from "./blocked-cholesky.js";
import { choleskyFactor, choleskySolveColumns } from "./cholesky.js";
import { DenseProducts } from "./dense-products.js";
import { randomMatrix, relativeError } from "./testing/random-matrix.js";

/** XᵀX for a random rows x width X (symmetric positive definite when rows > width and X is generic). */
function gramOf(x: Float64Array, rows: number, width: number): Float64Array {
  const gram = new Float64Array(width * width);
  for (let r = 0; r < rows; r += 1)
    for (let i = 0; i < width; i += 1) for (let j = 0; j < width; j += 1) gram[i * width + j] += x[r * width + i]! * x[r * width + j]!;
  return gram;
}

describe("blocked Cholesky on ONNX Runtime", () => {
  let products: DenseProducts;
  beforeAll(async () => {
    products = await DenseProducts.open(2);
  });
  afterAll(async () => {
    await products.release();
  });

  it("factors like choleskyFactor (several blocks, a short last block, a ridge)", async () => {
    const width = 70;
    const gram = gramOf(randomMatrix(200, width, 1), 200, width);
    const expected = choleskyFactor(gram, width, 0.5);
    const blocked = await blockedCholeskyFactor(products, gram, width, 0.5, 16);
    expect(expected.ok && blocked.ok).toBe(true);
    if (expected.ok && blocked.ok) expect(relativeError(blocked.factor, expected.factor)).toBeLessThan(1e-13);
  });

  it("stops at the same pivot as choleskyFactor when the matrix is singular", async () => {
    const width = 50;
    const x = randomMatrix(120, width, 2);
    for (let row = 0; row < 120; row += 1) x[row * width + 37] = x[row * width + 3]!;
    const gram = gramOf(x, 120, width);
    const expected = choleskyFactor(gram, width);
    const blocked = await blockedCholeskyFactor(products, gram, width, 0, 16);
    expect(expected.ok).toBe(false);
    expect(blocked.ok).toBe(false);
    if (!expected.ok && !blocked.ok) expect(blocked.pivotIndex).toBe(expected.pivotIndex);
  });

  it("solves L Lᵀ X = B like choleskySolveColumns", async () => {
    const width = 45;
    const columns = 23;
    const gram = gramOf(randomMatrix(100, width, 3), 100, width);
    const factored = choleskyFactor(gram, width);
    if (!factored.ok) throw new Error("test matrix is not positive definite");
    const rightHandSides = randomMatrix(width, columns, 4);
    // choleskySolveColumns takes and returns columns (column c contiguous): transpose around it.
    const columnMajor = new Float64Array(width * columns);
    for (let i = 0; i < width; i += 1) for (let c = 0; c < columns; c += 1) columnMajor[c * width + i] = rightHandSides[i * columns + c]!;
    const expectedColumns = choleskySolveColumns(factored.factor, width, columnMajor, columns);
    const expected = new Float64Array(width * columns);
    for (let i = 0; i < width; i += 1) for (let c = 0; c < columns; c += 1) expected[i * columns + c] = expectedColumns[c * width + i]!;
    const blocked = await blockedCholeskySolve(products, factored.factor, width, rightHandSides, columns, 16);
    expect(relativeError(blocked, expected)).toBeLessThan(1e-12);
    // One block (the whole width) takes the same path.
    const single = await blockedCholeskySolve(products, factored.factor, width, rightHandSides, columns, 64);
    expect(relativeError(single, expected)).toBeLessThan(1e-12);
  });
});

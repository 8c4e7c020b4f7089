import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { denseMapApplication } from "./apply-map.js";
import { DenseProducts } from "./dense-products.js";
import { NormalEquations } from "./normal-equations.js";
import { multiply, randomMatrix, relativeError } from "./testing/random-matrix.js";

/** Xᵀ Y in float64, the plain way: (rows x width)ᵀ · (rows x width). */
function transposedProduct(x: Float64Array, y: Float64Array, rows: number, width: number): Float64Array {
  const product = new Float64Array(width * width);
  for (let r = 0; r < rows; r += 1) {
    for (let i = 0; i < width; i += 1) {
      const value = x[r * width + i];
      for (let j = 0; j < width; j += 1) product[i * width + j] += value * y[r * width + j];
    }
  }
  return product;
}

describe("DenseProducts (ONNX Runtime)", () => {
  let products: DenseProducts;
  beforeAll(async () => {
    products = await DenseProducts.open(2);
  });
  afterAll(async () => {
    await products.release();
  });

  it("adds XᵀX, XᵀY to running sums and gives ||Y||², in float64 (odd sizes, a block shorter than its buffer)", async () => {
    const width = 37;
    const rows = 301;
    const x = randomMatrix(rows + 5, width, 1);
    const y = randomMatrix(rows + 5, width, 2);
    const sums = { gram: randomMatrix(width, width, 3), cross: randomMatrix(width, width, 9) };
    const before = { gram: Float64Array.from(sums.gram), cross: Float64Array.from(sums.cross) };
    const { gram, cross, squares } = await products.normalBlocks(x, y, rows, width, sums);
    const plus = (left: Float64Array, right: Float64Array) => left.map((value, index) => value + right[index]!);
    expect(relativeError(gram, plus(before.gram, transposedProduct(x, x, rows, width)))).toBeLessThan(1e-14);
    expect(relativeError(cross, plus(before.cross, transposedProduct(x, y, rows, width)))).toBeLessThan(1e-14);
    let expectedSquares = 0;
    for (let index = 0; index < rows * width; index += 1) expectedSquares += y[index]! ** 2;
    expect(Math.abs(squares - expectedSquares) / expectedSquares).toBeLessThan(1e-14);
    // The running sums given are inputs only.
    expect(sums.gram).toEqual(before.gram);
    expect(sums.cross).toEqual(before.cross);
  });

  it("accumulates normal equations like the JavaScript kernels", async () => {
    const width = 29;
    const rows = 700;
    const x = randomMatrix(rows, width, 4);
    const y = randomMatrix(rows, width, 5);
    const reference = new NormalEquations(width);
    reference.addRows(x, y, rows);
    const onnx = new NormalEquations(width);
    await onnx.addRowsWith(products, x.subarray(0, 300 * width), y.subarray(0, 300 * width), 300);
    await onnx.addRowsWith(products, x.subarray(300 * width), y.subarray(300 * width), 400);
    expect(onnx.rows).toBe(rows);
    expect(relativeError(onnx.symmetricGram(), reference.symmetricGram())).toBeLessThan(1e-14);
    expect(relativeError(onnx.cross, reference.cross)).toBeLessThan(1e-14);
    expect(Math.abs(onnx.targetSquaredNorm - reference.targetSquaredNorm) / reference.targetSquaredNorm).toBeLessThan(1e-14);
  });

  it("applies a map in float64 for f32 outputs and in float32 for bf16/f16 outputs", async () => {
    const width = 48;
    const count = 130;
    const rows = Float32Array.from(randomMatrix(count, width, 7));
    const map = randomMatrix(width, width, 8);
    const exact = multiply(Float64Array.from(rows), map, count, width, width);
    const wide = await denseMapApplication(products, map, width, "F32").apply(rows, count);
    const narrowApplication = denseMapApplication(products, map, width, "BF16");
    const narrow = Float32Array.from(await narrowApplication.apply(rows, count));
    await narrowApplication.release();
    await narrowApplication.release(); // a second release does nothing
    expect(wide).toBeInstanceOf(Float32Array);
    expect(narrow.length).toBe(count * width);
    // F32: rounded once from float64, so within half a float32 step of the exact product.
    for (let index = 0; index < exact.length; index += 1) {
      expect(Math.abs(wide[index]! - exact[index]!)).toBeLessThanOrEqual(Math.abs(exact[index]!) * 2 ** -24 + 1e-12);
    }
    // BF16/F16: float32 accumulation, far inside bf16's 2^-8 step.
    expect(relativeError(narrow, exact)).toBeLessThan(1e-6);
    expect(relativeError(narrow, exact)).toBeGreaterThan(0);
    // In calls of 32 rows (four and a tail of 2), twice through the reused buffer.
    const chunked = denseMapApplication(products, map, width, "BF16", 32);
    const first = Float32Array.from(await chunked.apply(rows, count));
    expect(relativeError(first, exact)).toBeLessThan(1e-6);
    const again = await chunked.apply(rows.subarray(width), count - 1);
    expect(again.length).toBe((count - 1) * width);
    expect(relativeError(again, exact.subarray(width))).toBeLessThan(1e-6);
    // The fixed-map session computes what the per-call map does (the same float32 kernel family).
    expect(relativeError(first, Float32Array.from(await products.multiply(rows, count, Float32Array.from(map), width)))).toBeLessThan(1e-6);
    await chunked.release(); // (left unreleased, DenseProducts.release would free it)
  });

  it("rejects a fixed map with fewer than width² values", () => {
    expect(() => products.fixedMap(new Float32Array(10), 4)).toThrow(/4 x 4 map needs 16 values, got 10/);
  });
});

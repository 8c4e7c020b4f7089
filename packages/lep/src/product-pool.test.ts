import { afterAll, describe, expect, it } from "vitest";
import { MapApplier } from "./apply-map.js";
import { accumulateTransposedProduct } from "./gram-kernels.js";
import { NormalEquations } from "./normal-equations.js";
import { ProductPool, sharedFloat64Array, splitRows } from "./product-pool.js";
import { randomMatrix } from "./testing/random-matrix.js";

const pool = new ProductPool(3);
afterAll(() => pool.close());

function shared(values: Float64Array): Float64Array {
  const array = sharedFloat64Array(values.length);
  array.set(values);
  return array;
}

describe("splitRows", () => {
  const cases = [
    { name: "full rows split evenly on tile boundaries", input: [64, 64, 2, false] as [number, number, number, boolean], expected: [0, 32, 64] },
    {
      name: "upper triangle: the first range is shorter (its rows are longer)",
      input: [64, 64, 2, true] as [number, number, number, boolean],
      expected: [0, 16, 64],
    },
    { name: "one thread takes everything", input: [37, 37, 1, true] as [number, number, number, boolean], expected: [0, 37] },
    {
      name: "ranges start on tiles of 4: a tiny product goes to the last thread",
      input: [5, 5, 4, false] as [number, number, number, boolean],
      expected: [0, 0, 0, 0, 5],
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      expect(splitRows(...testCase.input)).toEqual(testCase.expected);
    });
  }
});

describe("ProductPool", () => {
  const cases = [
    { name: "Gram upper triangle, odd sizes", rows: 53, leftCount: 45, rightCount: 45, upperOnly: true },
    { name: "cross product, odd sizes", rows: 256, leftCount: 37, rightCount: 41, upperOnly: false },
    { name: "fewer rows than threads' tiles", rows: 3, leftCount: 6, rightCount: 9, upperOnly: false },
  ];
  for (const testCase of cases) {
    it(`${testCase.name}: bit-identical to one thread`, () => {
      const { rows, leftCount, rightCount, upperOnly } = testCase;
      const left = shared(randomMatrix(leftCount, rows, 1));
      const right = shared(randomMatrix(rightCount, rows, 2));
      const width = rightCount;
      const expected = randomMatrix(leftCount, width, 3);
      const product = shared(expected);
      accumulateTransposedProduct(left, right, rows, 0, leftCount, rightCount, expected, width, upperOnly);
      // Twice: the second call reuses the buffers the workers already hold.
      pool.accumulate(left, right, rows, leftCount, rightCount, product, width, upperOnly);
      accumulateTransposedProduct(left, right, rows, 0, leftCount, rightCount, expected, width, upperOnly);
      pool.accumulate(left, right, rows, leftCount, rightCount, product, width, upperOnly);
      expect(Array.from(product)).toEqual(Array.from(expected));
    });
  }

  it("normal equations and the map applier give the same bits with threads", () => {
    const width = 29;
    const rows = 700;
    const x = randomMatrix(rows, width, 4);
    const y = randomMatrix(rows, width, 5);
    const single = new NormalEquations(width);
    const threaded = new NormalEquations(width, pool);
    single.addRows(x, y, rows);
    threaded.addRows(x, y, rows);
    expect(Array.from(threaded.gram)).toEqual(Array.from(single.gram));
    expect(Array.from(threaded.cross)).toEqual(Array.from(single.cross));
    const map = randomMatrix(width, width, 6);
    expect(new MapApplier(map, width, pool).apply(x)).toEqual(new MapApplier(map, width).apply(x));
  });

  it("refuses operands the workers cannot see", () => {
    expect(() => pool.accumulate(new Float64Array(4), new Float64Array(4), 1, 4, 4, new Float64Array(16), 4, false)).toThrow(/SharedArrayBuffer/);
  });
});

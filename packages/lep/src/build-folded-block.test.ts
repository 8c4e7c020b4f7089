import { fromFloat32 } from "@graft/safetensors";
import { describe, expect, it } from "vitest";
import { buildFoldedBlock, FoldedBlockBuffers, type FoldedWeights } from "./build-folded-block.js";
import { EmbeddingMatrix } from "./embedding-matrix.js";
import { randomMatrix } from "./testing/random-matrix.js";

/** The block written the plain way: widen every row to float64, scale, add the pairs, transpose. */
function naiveBlock(base: EmbeddingMatrix, instruct: EmbeddingMatrix, folded: FoldedWeights, start: number, count: number) {
  const width = base.width;
  const source = Array.from(base.rowsAsFloat32(start, count, new Float32Array(count * width)));
  const instructRows = Array.from(instruct.rowsAsFloat32(start, count, new Float32Array(count * width)));
  const weighted = new Float64Array(count * width);
  const target = new Float64Array(count * width);
  for (let row = 0; row < count; row += 1) {
    const id = start + row;
    for (let column = 0; column < width; column += 1) {
      weighted[row * width + column] = source[row * width + column] * folded.diagonal[id];
      target[row * width + column] = instructRows[row * width + column] * folded.diagonal[id];
    }
    for (let entry = folded.offsets[id]; entry < folded.offsets[id + 1]; entry += 1) {
      base.addRowTo(folded.columns[entry], weighted, row * width, folded.weights[entry]);
      instruct.addRowTo(folded.columns[entry], target, row * width, folded.weights[entry]);
    }
  }
  const sourceT = new Float64Array(count * width);
  const weightedT = new Float64Array(count * width);
  let squares = 0;
  for (let row = 0; row < count; row += 1) {
    for (let column = 0; column < width; column += 1) {
      sourceT[column * count + row] = source[row * width + column];
      weightedT[column * count + row] = weighted[row * width + column];
      squares += instructRows[row * width + column] * target[row * width + column];
    }
  }
  return { sourceT, weightedT, target, squares };
}

describe("buildFoldedBlock", () => {
  const rows = 61;
  const width = 11;
  // Diagonal weights of 1, 0 (a row left out) and fractions; 0-3 off-diagonal entries a row.
  const diagonal = Float64Array.from({ length: rows }, (_, id) => [1, 0, 1.25, 0.5, 1 / 9][id % 5]!);
  const counts = Array.from({ length: rows }, (_, id) => (id * 7) % 4);
  const offsets = Int32Array.from([0, ...counts.map((_, id) => counts.slice(0, id + 1).reduce((sum, count) => sum + count, 0))]);
  const columns = Int32Array.from({ length: offsets[rows]! }, (_, entry) => (entry * 13 + 5) % rows);
  const weights = Float64Array.from({ length: offsets[rows]! }, (_, entry) => 1 / (2 + (entry % 3)) ** 2);
  const folded = { diagonal, offsets, columns, weights };

  for (const dtype of ["BF16", "F32"] as const) {
    it(`writes Xᵀ, (M X)ᵀ and M T bit for bit as the plain passes do, over full and partial chunks (${dtype})`, () => {
      const base = new EmbeddingMatrix(fromFloat32(Float32Array.from(randomMatrix(rows, width, 3)), dtype, [rows, width]));
      const instruct = new EmbeddingMatrix(fromFloat32(Float32Array.from(randomMatrix(rows, width, 4)), dtype, [rows, width]));
      const buffers = new FoldedBlockBuffers(24, width);
      // Blocks of 24 rows (three full chunks), then 13 (one full, one of 5): the buffers are reused.
      for (const [start, count] of [
        [0, 24],
        [24, 24],
        [48, 13],
      ] as const) {
        buffers.sourceT.fill(Number.NaN);
        const squares = buildFoldedBlock(base, instruct, folded, start, count, buffers);
        const expected = naiveBlock(base, instruct, folded, start, count);
        const values = count * width;
        expect(Array.from(buffers.sourceT.subarray(0, values))).toEqual(Array.from(expected.sourceT));
        expect(Array.from(buffers.weightedT.subarray(0, values))).toEqual(Array.from(expected.weightedT));
        expect(Array.from(buffers.target.subarray(0, values))).toEqual(Array.from(expected.target));
        expect(Math.abs(squares - expected.squares)).toBeLessThanOrEqual(1e-12 * Math.abs(expected.squares));
      }
    });
  }

  it("refuses a block taller than its buffers", () => {
    const matrix = new EmbeddingMatrix(fromFloat32(new Float32Array(rows * width), "F32", [rows, width]));
    expect(() => buildFoldedBlock(matrix, matrix, folded, 0, 9, new FoldedBlockBuffers(8, width))).toThrow(RangeError);
  });
});

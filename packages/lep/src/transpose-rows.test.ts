import { describe, expect, it } from "vitest";
import { randomMatrix } from "./testing/random-matrix.js";
import { transposeRowsTo } from "./transpose-rows.js";

describe("transposeRowsTo", () => {
  // 8-row groups plus a tail of 5, fewer than 8 rows, one column.
  for (const [rows, columns] of [[21, 13], [5, 7], [16, 1]] as const) {
    it(`transposes ${rows} x ${columns} values (leaving the rest of the target alone)`, () => {
      const source = randomMatrix(rows, columns, rows);
      const target = new Float64Array(rows * columns + 3).fill(-1);
      transposeRowsTo(source, rows, columns, target);
      for (let row = 0; row < rows; row += 1) {
        for (let column = 0; column < columns; column += 1) expect(target[column * rows + row]).toBe(source[row * columns + column]);
      }
      expect(Array.from(target.subarray(rows * columns))).toEqual([-1, -1, -1]);
    });
  }
});

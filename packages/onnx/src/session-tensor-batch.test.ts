import { describe, expect, it } from "vitest";
import { float32Tensor } from "./onnx-session.js";
import { batchRow, concatBatchRows } from "./session-tensor-batch.js";

describe("batchRow / concatBatchRows", () => {
  const tensor = float32Tensor(
    Float32Array.from({ length: 12 }, (_, index) => index),
    [3, 2, 2],
  );

  it("takes one row of the batch axis as a view", () => {
    const row = batchRow(tensor, 1);
    expect(row.dims).toEqual([1, 2, 2]);
    expect([...row.data]).toEqual([4, 5, 6, 7]);
    expect(row.data.buffer).toBe(tensor.data.buffer);
  });

  it("stacks batch-1 rows back into the tensor they came from", () => {
    const rows = [0, 1, 2].map((row) => batchRow(tensor, row));
    const stacked = concatBatchRows([rows[2]!, rows[0]!]);
    expect(stacked.dims).toEqual([2, 2, 2]);
    expect([...stacked.data]).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
    expect([...concatBatchRows(rows).data]).toEqual([...tensor.data]);
  });
});

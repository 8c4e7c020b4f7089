import { float32Tensor, type SessionTensor } from "./onnx-session.js";

/** Row `row` of a float32 tensor's first (batch) axis, as a batch-1 tensor (a view, no copy). */
export function batchRow(tensor: SessionTensor, row: number): SessionTensor {
  const [batch, ...rest] = tensor.dims;
  const size = tensor.data.length / batch!;
  return float32Tensor((tensor.data as Float32Array).subarray(row * size, (row + 1) * size), [1, ...rest]);
}

/** Batch-1 float32 tensors of equal shape stacked along the batch axis. */
export function concatBatchRows(rows: readonly SessionTensor[]): SessionTensor {
  const size = rows[0]!.data.length;
  const data = new Float32Array(size * rows.length);
  for (const [index, row] of rows.entries()) data.set(row.data as Float32Array, index * size);
  return float32Tensor(data, [rows.length, ...rows[0]!.dims.slice(1)]);
}

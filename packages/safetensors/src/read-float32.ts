import { dtypeBytes } from "./dtype.js";
import { bf16ToFloat32Array, f16ToFloat32Array } from "./float-conversions.js";
import { toFloat32 } from "./to-float32.js";
import { SafetensorsReader } from "./safetensors-reader.js";
import type { ShardedSafetensorsReader } from "./sharded-safetensors-reader.js";

/** Rows are read in blocks of about this many source bytes: bounds memory above the f32 result. */
export const DEFAULT_BLOCK_BYTES = 32 << 20;

/**
 * A floating tensor as f32, read in row blocks into one reused buffer and widened straight into
 * the result: peak memory is the f32 result plus one block.
 */
export async function readFloat32(reader: SafetensorsReader | ShardedSafetensorsReader, name: string, options: { blockBytes?: number } = {}): Promise<{ shape: number[]; values: Float32Array }> {
  const info = await reader.info(name);
  const file = reader instanceof SafetensorsReader ? reader : await reader.fileReader(name);
  const rows = info.shape[0];
  if (info.shape.length === 0 || rows === 0 || info.dtype === "F64") return { shape: info.shape, values: toFloat32(await reader.readTensor(name)) };
  const rowElements = info.byteLength / dtypeBytes(info.dtype) / rows;
  const rowBytes = info.byteLength / rows;
  const blockRows = Math.max(1, Math.floor((options.blockBytes ?? DEFAULT_BLOCK_BYTES) / Math.max(1, rowBytes)));
  const values = new Float32Array(rows * rowElements);
  // Two buffers: the next block is read (on libuv's thread pool) while this one is widened.
  const buffers = [0, 1].map(() => new Uint8Array(new ArrayBuffer(Math.min(rows, blockRows) * rowBytes)));
  const readBlock = (start: number, slot: number) => file.readRowsInto(name, start, Math.min(blockRows, rows - start), buffers[slot]);
  let pending = readBlock(0, 0);
  for (let start = 0, slot = 0; start < rows; start += blockRows, slot ^= 1) {
    const count = Math.min(blockRows, rows - start);
    const bytes = await pending;
    if (start + blockRows < rows) pending = readBlock(start + blockRows, slot ^ 1);
    const target = values.subarray(start * rowElements, (start + count) * rowElements);
    if (info.dtype === "BF16") bf16ToFloat32Array(bytes, target);
    else if (info.dtype === "F16") f16ToFloat32Array(bytes, target);
    else target.set(toFloat32({ dtype: info.dtype, shape: [count, rowElements], data: bytes }));
  }
  return { shape: info.shape, values };
}

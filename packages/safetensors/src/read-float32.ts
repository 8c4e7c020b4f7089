import { dtypeBytes } from "./dtype.js";
import { bf16ToFloat32Array, f16ToFloat32Array } from "./float-conversions.js";
import { defaultReadThreads, readFloat32Parallel } from "./read-float32-parallel.js";
import { SafetensorsReader } from "./safetensors-reader.js";
import type { ShardedSafetensorsReader } from "./sharded-safetensors-reader.js";
import { toFloat32 } from "./to-float32.js";

/** Rows are read in blocks of about this many source bytes: bounds memory above the f32 result. */
export const DEFAULT_BLOCK_BYTES = 32 << 20;

/** BF16 and F32 tensors of at least this many f32 bytes are read by worker threads. */
export const DEFAULT_PARALLEL_MIN_BYTES = 8 << 20;

export interface ReadFloat32Options {
  /** Source bytes per row block on the single-thread path (default 32 MiB). */
  blockBytes?: number;
  /** Threads that read large BF16/F32 tensors: this one and `threads - 1` workers (default: available cores, at most 8); 1 reads on this thread alone. */
  threads?: number;
  /** The f32 size from which the workers are used (default 8 MiB). */
  parallelMinBytes?: number;
}

/**
 * A floating tensor as f32 with peak memory at most the f32 result plus one block.
 *
 * Large BF16 and F32 tensors are read by this thread and worker threads together, widened with
 * WebAssembly SIMD and written into the result, whose `buffer` is then a SharedArrayBuffer (for
 * BF16, WebAssembly memory: its length is rounded up to 64 KiB, past `values.byteLength`).
 * Everything else is read in row blocks into one reused buffer and widened into the result.
 */
export async function readFloat32(
  reader: SafetensorsReader | ShardedSafetensorsReader,
  name: string,
  options: ReadFloat32Options = {},
): Promise<{ shape: number[]; values: Float32Array }> {
  const info = await reader.info(name);
  const file = reader instanceof SafetensorsReader ? reader : await reader.fileReader(name);
  const threads = options.threads ?? defaultReadThreads();
  const elements = info.byteLength / dtypeBytes(info.dtype);
  if (threads > 1 && (info.dtype === "BF16" || info.dtype === "F32") && elements * 4 >= (options.parallelMinBytes ?? DEFAULT_PARALLEL_MIN_BYTES)) {
    const values = await readFloat32Parallel({ path: file.path, tensorName: name, position: info.offset, dtype: info.dtype, elements, threads });
    if (values) return { shape: info.shape, values };
  }
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

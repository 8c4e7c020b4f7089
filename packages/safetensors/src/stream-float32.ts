import { type SharedWasmMemory, wasm } from "./bf16-widen-module.js";
import { dtypeBytes } from "./dtype.js";
import { DEFAULT_PARALLEL_MIN_BYTES, type ReadFloat32Options, readFloat32 } from "./read-float32.js";
import { defaultReadThreads, readFloat32Parallel } from "./read-float32-parallel.js";
import { SafetensorsReader } from "./safetensors-reader.js";
import type { ShardedSafetensorsReader } from "./sharded-safetensors-reader.js";

/** The most one WebAssembly memory can hold (65,536 pages of 64 KiB). */
const MAX_MEMORY_BYTES = 2 ** 32;

export interface StreamFloat32Options extends ReadFloat32Options {
  /** Tensors to read, in this order (default: every floating tensor, F64 F32 F16 BF16, in the file order; a name of another dtype is an UnsupportedConversionError). */
  names?: readonly string[];
}

/** One tensor of `streamFloat32`: its `values` are valid until the loop asks for the next one. */
export interface StreamedFloat32 {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Every floating tensor as f32, one after the other, into one reused buffer: the loop's body sees
 * each tensor's values, which the next step overwrites (`values.slice()` keeps a copy).
 *
 * This is the fast way to visit a whole checkpoint (hashing, statistics, conversion, a
 * tensor-by-tensor transform). BF16 and F32 tensors are read by this thread and the workers of
 * `readFloat32` into one shared WebAssembly memory sized for the largest of them, widened there
 * in place; after the first tensors its pages are resident, so a step costs no page faults and
 * leaves nothing for the collector, and peak memory is the largest tensor as f32 plus the
 * readers' pieces. F16 and F64 tensors, and tensors above 4 GiB as f32, come from `readFloat32`
 * as fresh arrays; tensors of other dtypes are skipped unless named.
 *
 * @example
 * const reader = await ShardedSafetensorsReader.open("./model");
 * for await (const { name, values } of streamFloat32(reader)) console.log(name, l2Norm(values));
 */
export async function* streamFloat32(
  reader: SafetensorsReader | ShardedSafetensorsReader,
  options: StreamFloat32Options = {},
): AsyncGenerator<StreamedFloat32, void, undefined> {
  const names = options.names ?? (await floatingTensorNames(reader));
  const threads = options.threads ?? defaultReadThreads();
  const parallelMinBytes = options.parallelMinBytes ?? DEFAULT_PARALLEL_MIN_BYTES;
  let largest = 0;
  for (const name of names) {
    const info = await reader.info(name);
    const bytes = (info.byteLength / dtypeBytes(info.dtype)) * 4;
    if ((info.dtype === "BF16" || info.dtype === "F32") && bytes <= MAX_MEMORY_BYTES) largest = Math.max(largest, bytes);
  }
  let memory: SharedWasmMemory | undefined;
  for (const name of names) {
    const info = await reader.info(name);
    const elements = info.byteLength / dtypeBytes(info.dtype);
    if ((info.dtype === "BF16" || info.dtype === "F32") && elements > 0 && elements * 4 <= MAX_MEMORY_BYTES) {
      // Created on first use, whole: its pages are reserved now and become resident as written.
      if (!memory) {
        const pages = Math.max(1, Math.ceil(largest / 65536));
        memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
      }
      const file = reader instanceof SafetensorsReader ? reader : await reader.fileReader(name);
      const values = await readFloat32Parallel({
        path: file.path,
        tensorName: name,
        position: info.offset,
        dtype: info.dtype,
        elements,
        threads: elements * 4 >= parallelMinBytes ? threads : 1,
        into: memory,
      });
      if (values) {
        yield { name, shape: info.shape, values };
        continue;
      }
    }
    const { shape, values } = await readFloat32(reader, name, options);
    yield { name, shape, values };
  }
}

const FLOATING = new Set(["F64", "F32", "F16", "BF16"]);

async function floatingTensorNames(reader: SafetensorsReader | ShardedSafetensorsReader): Promise<string[]> {
  const names: string[] = [];
  for (const name of reader.tensorNames()) if (FLOATING.has((await reader.info(name)).dtype)) names.push(name);
  return names;
}

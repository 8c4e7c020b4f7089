import type { ShardedSafetensorsReader } from "@graft/safetensors";

/** Bytes per read of `warmPageCache` (one buffer of this size is reused). */
export const WARM_CHUNK_BYTES = 16 << 20;

/** A tensor that will be read later. */
export interface TensorToWarm {
  reader: ShardedSafetensorsReader;
  name: string;
}

/**
 * Reads the tensors' bytes, in the order given, into one small reused buffer and drops them, so
 * that the operating system's page cache holds them by the time they are read for real: started
 * while other work runs (validation, the products of an earlier module), it turns reads that
 * would wait on the disk into memory copies. It costs this process one buffer of memory (the
 * page cache is the kernel's, and given back under pressure). Never rejects: a failing read here
 * is left to the real read to report. Stops between chunks once `signal` is aborted.
 */
export async function warmPageCache(tensors: TensorToWarm[], signal?: AbortSignal): Promise<void> {
  const buffer = new Uint8Array(WARM_CHUNK_BYTES);
  try {
    for (const { reader, name } of tensors) {
      const info = await reader.info(name);
      const rows = info.shape[0] ?? 1;
      const rowBytes = info.shape.length === 0 || rows === 0 ? info.byteLength : info.byteLength / rows;
      if (rowBytes === 0 || rowBytes > buffer.byteLength) continue;
      const file = await reader.fileReader(name);
      const chunkRows = Math.floor(buffer.byteLength / rowBytes);
      for (let start = 0; start < rows; start += chunkRows) {
        if (signal?.aborted) return;
        await file.readRowsInto(name, start, Math.min(chunkRows, rows - start), buffer);
      }
    }
  } catch {
    // The real read reports it.
  }
}

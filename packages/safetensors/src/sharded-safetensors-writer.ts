import { createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { dtypeBytes, elementCount, type Tensor } from "./dtype.js";
import { SafetensorsError } from "./safetensors-error.js";
import { INDEX_FILE_NAME, SINGLE_FILE_NAME } from "./sharded-safetensors-reader.js";

/** Hugging Face's default shard size for `save_pretrained` (5 GB). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;
/** Headers are padded with spaces to this alignment, as Python safetensors does. */
const HEADER_ALIGNMENT = 8;

export interface ShardedSafetensorsWriterOptions {
  /** Existing directory to write into (wrap it in an atomic output directory for crash safety). */
  directory: string;
  /** Flush a shard before adding a tensor would take it past this many data bytes. */
  maxShardSize?: number;
  /** Extra `__metadata__` entries; `format: "pt"` is always set. */
  metadata?: Record<string, string>;
  /** Always write an index and `model-0000N-of-0000M` names, even for one shard (default false). */
  alwaysIndex?: boolean;
  /**
   * Bytes to leave for each shard's header ahead of its data (rounded up to 8). When the header
   * fits, it is written into that space, padded with spaces as the format allows, and the shard is
   * finished in place; otherwise (and by default, 0) the data is copied behind the header when the
   * shard closes. `writeModelDirectory` passes a bound from the tensor names it will write.
   */
  headerReserve?: number;
}

export interface WrittenWeights {
  files: string[];
  totalSize: number;
  indexPath?: string;
}

interface PendingShard {
  number: number;
  dataPath: string;
  handle: FileHandle;
  /** Where the data starts in `dataPath`: 0, or 8 + the reserved header bytes. */
  offset: number;
  size: number;
  entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[];
}

/**
 * Streams tensors into safetensors shards. Tensor data goes to disk as it is added (memory
 * stays at one tensor); a shard is assembled (header + data) under a hidden temporary name when
 * it is full, and every shard gets its final Hugging Face name only in `finalize()`, so no file
 * under a final name is ever incomplete.
 */
export class ShardedSafetensorsWriter {
  private readonly directory: string;
  private readonly maxShardSize: number;
  private readonly metadata: Record<string, string>;
  private readonly alwaysIndex: boolean;
  private readonly headerReserve: number;
  private readonly names = new Set<string>();
  private readonly closedShards: { temporaryPath: string; names: string[]; size: number }[] = [];
  private current?: PendingShard;
  private finalized = false;
  private readonly token = `${process.pid}-${Date.now().toString(36)}`;

  constructor(options: ShardedSafetensorsWriterOptions) {
    this.directory = options.directory;
    this.maxShardSize = options.maxShardSize ?? DEFAULT_MAX_SHARD_BYTES;
    this.metadata = { ...options.metadata, format: "pt" };
    this.alwaysIndex = options.alwaysIndex ?? false;
    const reserve = Math.max(0, Math.floor(options.headerReserve ?? 0));
    this.headerReserve = Math.ceil(reserve / HEADER_ALIGNMENT) * HEADER_ALIGNMENT;
  }

  async addTensor(name: string, tensor: Tensor): Promise<void> {
    const expected = elementCount(tensor.shape) * dtypeBytes(tensor.dtype);
    if (expected !== tensor.data.byteLength) {
      throw new SafetensorsError({
        name: "TensorSizeError",
        path: this.directory,
        message: `tensor "${name}": ${tensor.dtype} ${JSON.stringify(tensor.shape)} needs ${expected} bytes, got ${tensor.data.byteLength}`,
      });
    }
    await this.addTensorChunks(name, { dtype: tensor.dtype, shape: tensor.shape }, [tensor.data]);
  }

  /**
   * Adds a tensor whose bytes arrive in pieces (row blocks, say), so it never has to be whole in
   * memory: `chunks` must yield exactly `shape`'s element count x the dtype's bytes in order, or a
   * TensorSizeError is thrown (abort() the writer then; nothing under a final name was written).
   */
  async addTensorChunks(name: string, header: Pick<Tensor, "dtype" | "shape">, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    if (this.finalized) throw new SafetensorsError({ name: "WriterFinalizedError", path: this.directory, message: `addTensor("${name}") after finalize()` });
    if (this.names.has(name)) {
      throw new SafetensorsError({
        name: "DuplicateTensorError",
        path: this.directory,
        message: `tensor "${name}" was already written; each name must be unique`,
      });
    }
    const expected = elementCount(header.shape) * dtypeBytes(header.dtype);
    this.names.add(name);
    if (this.current && this.current.size > 0 && this.current.size + expected > this.maxShardSize) await this.closeShard();
    if (!this.current) {
      await mkdir(this.directory, { recursive: true });
      const number = this.closedShards.length + 1;
      const dataPath = join(this.directory, `.shard-${number}-${this.token}.data.tmp`);
      this.current = { number, dataPath, handle: await open(dataPath, "w"), offset: this.headerReserve > 0 ? 8 + this.headerReserve : 0, size: 0, entries: [] };
    }
    const shard = this.current;
    let written = 0;
    const sizeError = (got: string) =>
      new SafetensorsError({
        name: "TensorSizeError",
        path: this.directory,
        message: `tensor "${name}": ${header.dtype} ${JSON.stringify(header.shape)} needs ${expected} bytes, got ${got}`,
      });
    for await (const chunk of chunks) {
      if (written + chunk.byteLength > expected) throw sizeError(`more (${written + chunk.byteLength} bytes so far)`);
      let done = 0;
      while (done < chunk.byteLength) {
        const { bytesWritten } = await shard.handle.write(chunk, done, chunk.byteLength - done, shard.offset + shard.size + written + done);
        done += bytesWritten;
      }
      written += chunk.byteLength;
    }
    if (written !== expected) throw sizeError(String(written));
    shard.entries.push({ name, dtype: header.dtype, shape: [...header.shape], begin: shard.size, end: shard.size + expected });
    shard.size += expected;
  }

  /** Closes the last shard, renames every shard to its final name, writes the index. */
  async finalize(): Promise<WrittenWeights> {
    if (this.finalized) throw new SafetensorsError({ name: "WriterFinalizedError", path: this.directory, message: "finalize() called twice" });
    this.finalized = true;
    if (this.current || this.closedShards.length === 0) {
      if (!this.current) {
        await mkdir(this.directory, { recursive: true });
        const dataPath = join(this.directory, `.shard-1-${this.token}.data.tmp`);
        this.current = {
          number: 1,
          dataPath,
          handle: await open(dataPath, "w"),
          offset: this.headerReserve > 0 ? 8 + this.headerReserve : 0,
          size: 0,
          entries: [],
        };
      }
      await this.closeShard();
    }
    const count = this.closedShards.length;
    const single = count === 1 && !this.alwaysIndex;
    const files: string[] = [];
    const weightMap: Record<string, string> = {};
    let totalSize = 0;
    for (const [index, shard] of this.closedShards.entries()) {
      const fileName = single ? SINGLE_FILE_NAME : `model-${String(index + 1).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.safetensors`;
      await rename(shard.temporaryPath, join(this.directory, fileName));
      files.push(fileName);
      totalSize += shard.size;
      for (const name of shard.names) weightMap[name] = fileName;
    }
    if (single) return { files, totalSize };
    const indexPath = join(this.directory, INDEX_FILE_NAME);
    const sortedMap = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await writeFile(`${indexPath}.tmp-${this.token}`, `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: sortedMap }, null, 2)}\n`);
    await rename(`${indexPath}.tmp-${this.token}`, indexPath);
    return { files, totalSize, indexPath };
  }

  /** Removes temporary files (after a failure). */
  async abort(): Promise<void> {
    this.finalized = true;
    if (this.current) {
      await this.current.handle.close().catch(() => undefined);
      await rm(this.current.dataPath, { force: true });
    }
    await Promise.all(this.closedShards.map((shard) => rm(shard.temporaryPath, { force: true })));
  }

  private async closeShard(): Promise<void> {
    const shard = this.current as PendingShard;
    this.current = undefined;
    const header: Record<string, unknown> = { __metadata__: this.metadata };
    for (const entry of shard.entries) header[entry.name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [entry.begin, entry.end] };
    let headerBytes = Buffer.from(JSON.stringify(header), "utf8");
    const temporaryPath = join(this.directory, `.shard-${shard.number}-${this.token}.safetensors.tmp`);
    if (shard.offset > 0 && headerBytes.byteLength <= shard.offset - 8) {
      // The header fits the reserved space: pad it with spaces to the data and finish in place.
      headerBytes = Buffer.concat([headerBytes, Buffer.alloc(shard.offset - 8 - headerBytes.byteLength, 0x20)]);
      const prefix = Buffer.alloc(8);
      prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength));
      const head = Buffer.concat([prefix, headerBytes]);
      for (let written = 0; written < head.byteLength; ) written += (await shard.handle.write(head, written, head.byteLength - written, written)).bytesWritten;
      await shard.handle.close();
      await rename(shard.dataPath, temporaryPath);
    } else {
      await shard.handle.close();
      const padding = (HEADER_ALIGNMENT - (headerBytes.byteLength % HEADER_ALIGNMENT)) % HEADER_ALIGNMENT;
      if (padding) headerBytes = Buffer.concat([headerBytes, Buffer.alloc(padding, 0x20)]);
      const prefix = Buffer.alloc(8);
      prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength));
      const output = createWriteStream(temporaryPath);
      output.write(prefix);
      output.write(headerBytes);
      await pipeline(createReadStream(shard.dataPath, { start: shard.offset }), output);
      await rm(shard.dataPath, { force: true });
    }
    this.closedShards.push({ temporaryPath, names: shard.entries.map((entry) => entry.name), size: shard.size });
  }
}

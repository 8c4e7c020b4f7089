import { type FileHandle, open } from "node:fs/promises";
import type { Tensor } from "./dtype.js";
import { InvalidHeaderError } from "./invalid-header-error.js";
import { MAX_HEADER_BYTES, parseHeader, type TensorInfo } from "./parse-header.js";
import { ReadRangeError } from "./read-range-error.js";
import { TensorNotFoundError } from "./tensor-not-found-error.js";

/** One positioned read is capped below Node's 2 GiB limit; bigger tensors are read in chunks. */
const MAX_READ_CHUNK_BYTES = 1 << 30;

/** Lazy reader of one `.safetensors` file: parses the header, reads tensors by positioned reads. */
export class SafetensorsReader {
  readonly path: string;
  readonly metadata: Record<string, string>;
  readonly fileSize: number;
  private readonly handle: FileHandle;
  private readonly tensors: Map<string, TensorInfo>;

  private constructor(path: string, handle: FileHandle, fileSize: number, metadata: Record<string, string>, tensors: Map<string, TensorInfo>) {
    this.path = path;
    this.handle = handle;
    this.fileSize = fileSize;
    this.metadata = metadata;
    this.tensors = tensors;
  }

  static async open(path: string): Promise<SafetensorsReader> {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      if (size < 8) throw new InvalidHeaderError({ path, message: `file has ${size} bytes, fewer than the 8-byte header length` });
      const lengthBytes = await readExactly(handle, 0, 8, path, "<header length>");
      const headerLength = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
      if (headerLength > BigInt(MAX_HEADER_BYTES)) {
        throw new InvalidHeaderError({ path, message: `header length ${headerLength} is above the cap of ${MAX_HEADER_BYTES} bytes` });
      }
      const length = Number(headerLength);
      if (8 + length > size) throw new InvalidHeaderError({ path, message: `header length ${length} runs past the end of the ${size}-byte file` });
      const headerBytes = await readExactly(handle, 8, length, path, "<header>");
      let headerText: string;
      try {
        headerText = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
      } catch (error) {
        throw new InvalidHeaderError({ path, message: "header is not valid UTF-8", cause: error });
      }
      const parsed = parseHeader(path, headerText, length, size);
      return new SafetensorsReader(path, handle, size, parsed.metadata, parsed.tensors);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Tensor names in data order. */
  tensorNames(): string[] {
    return [...this.tensors.values()].sort((a, b) => a.offset - b.offset).map((info) => info.name);
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new TensorNotFoundError({ path: this.path, tensorName: name, available: [...this.tensors.keys()] });
    return { ...info, shape: [...info.shape] };
  }

  async readTensor(name: string): Promise<Tensor> {
    const info = this.info(name);
    const data = await readExactly(this.handle, info.offset, info.byteLength, this.path, name);
    return { dtype: info.dtype, shape: info.shape, data };
  }

  /** Rows [start, start + count) of the first dimension. */
  async readRows(name: string, start: number, count: number): Promise<Tensor> {
    const info = this.info(name);
    if (info.shape.length === 0) throw new ReadRangeError({ path: this.path, tensorName: name, message: "a scalar has no rows" });
    const rows = info.shape[0];
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > rows) {
      throw new ReadRangeError({ path: this.path, tensorName: name, message: `rows [${start}, ${start + count}) are outside [0, ${rows})` });
    }
    const rowBytes = rows === 0 ? 0 : info.byteLength / rows;
    const data = await readExactly(this.handle, info.offset + start * rowBytes, count * rowBytes, this.path, name);
    return { dtype: info.dtype, shape: [count, ...info.shape.slice(1)], data };
  }

  /** Reads the bytes of rows [start, start + count) into `target` (no allocation); returns the filled view. */
  async readRowsInto(name: string, start: number, count: number, target: Uint8Array): Promise<Uint8Array> {
    const info = this.info(name);
    const rows = info.shape[0] ?? 1;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > rows) {
      throw new ReadRangeError({ path: this.path, tensorName: name, message: `rows [${start}, ${start + count}) are outside [0, ${rows})` });
    }
    const rowBytes = rows === 0 ? 0 : info.byteLength / rows;
    const length = count * rowBytes;
    if (target.byteLength < length)
      throw new ReadRangeError({ path: this.path, tensorName: name, message: `target holds ${target.byteLength} bytes, ${length} needed` });
    const view = target.subarray(0, length);
    await readInto(this.handle, info.offset + start * rowBytes, view, this.path, name);
    return view;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Reads exactly `length` bytes at `position` into a fresh, 8-byte-aligned buffer. */
async function readExactly(handle: FileHandle, position: number, length: number, path: string, what: string): Promise<Uint8Array> {
  return readInto(handle, position, new Uint8Array(new ArrayBuffer(length)), path, what);
}

async function readInto(handle: FileHandle, position: number, data: Uint8Array, path: string, what: string): Promise<Uint8Array> {
  const length = data.byteLength;
  let done = 0;
  while (done < length) {
    const chunk = Math.min(MAX_READ_CHUNK_BYTES, length - done);
    const { bytesRead } = await handle.read(data, done, chunk, position + done);
    if (bytesRead === 0) {
      throw new ReadRangeError({
        path,
        tensorName: what,
        message: `file ended after ${done} of ${length} bytes at offset ${position} (truncated or changed while reading)`,
      });
    }
    done += bytesRead;
  }
  return data;
}

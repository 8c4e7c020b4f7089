import { type FileHandle, open } from "node:fs/promises";
import type { GgmlType } from "./ggml-type.js";

/** The metadata value types of GGUF, by the names the format gives them, with their type ids. */
const VALUE_TYPE_IDS = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufScalarType = Exclude<keyof typeof VALUE_TYPE_IDS, "array">;
type Scalar = number | bigint | boolean | string;

/** A metadata value with the type it is stored as (GGUF has no untyped numbers). */
export type GgufMetadataValue = { type: GgufScalarType; value: Scalar } | { type: "array"; itemType: GgufScalarType; value: readonly Scalar[] };

/** A tensor as the header lists it: GGML dims (innermost first) and type; its bytes follow from them. */
export interface GgufTensorPlan {
  name: string;
  dims: number[];
  type: GgmlType;
}

const MAGIC = 0x46554747; // "GGUF" as a little-endian uint32
const VERSION = 3;
export const DEFAULT_GGUF_ALIGNMENT = 32;
const utf8 = new TextEncoder();

/** A growing little-endian byte buffer for the header. */
class HeaderBytes {
  private bytes = new Uint8Array(1 << 16);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private reserve(count: number): number {
    if (this.length + count > this.bytes.byteLength) {
      const grown = new Uint8Array(Math.max(this.bytes.byteLength * 2, this.length + count));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += count;
    return at;
  }
  /** Where the last `room` starts. */
  at = 0;
  /** Reserves `count` bytes at `this.at` and returns the view to write them through (read after growing). */
  private room(count: number): DataView {
    this.at = this.reserve(count);
    return this.view;
  }
  u32(value: number): void {
    this.room(4).setUint32(this.at, value, true);
  }
  u64(value: number | bigint): void {
    this.room(8).setBigUint64(this.at, BigInt(value), true);
  }
  string(value: string): void {
    const encoded = utf8.encode(value);
    this.u64(encoded.byteLength);
    const at = this.reserve(encoded.byteLength); // may replace this.bytes
    this.bytes.set(encoded, at);
  }
  scalar(type: GgufScalarType, value: Scalar): void {
    switch (type) {
      case "uint8":
        this.room(1).setUint8(this.at, value as number);
        break;
      case "int8":
        this.room(1).setInt8(this.at, value as number);
        break;
      case "uint16":
        this.room(2).setUint16(this.at, value as number, true);
        break;
      case "int16":
        this.room(2).setInt16(this.at, value as number, true);
        break;
      case "uint32":
        this.room(4).setUint32(this.at, value as number, true);
        break;
      case "int32":
        this.room(4).setInt32(this.at, value as number, true);
        break;
      case "float32":
        this.room(4).setFloat32(this.at, value as number, true);
        break;
      case "bool":
        this.room(1).setUint8(this.at, value ? 1 : 0);
        break;
      case "string":
        this.string(value as string);
        break;
      case "uint64":
        this.room(8).setBigUint64(this.at, BigInt(value as number | bigint), true);
        break;
      case "int64":
        this.room(8).setBigInt64(this.at, BigInt(value as number | bigint), true);
        break;
      case "float64":
        this.room(8).setFloat64(this.at, value as number, true);
        break;
    }
  }
  pad(alignment: number): void {
    this.reserve((alignment - (this.length % alignment)) % alignment);
  }
  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** A tensor's data size in bytes: whole blocks of its type along the innermost dimension. */
export function tensorByteLength(tensor: GgufTensorPlan): number {
  const elements = tensor.dims.reduce((a, b) => a * b, 1);
  if ((tensor.dims[0] ?? 1) % tensor.type.blockSize !== 0)
    throw new RangeError(`tensor "${tensor.name}": rows of ${tensor.dims[0]} elements are not whole ${tensor.type.name} blocks of ${tensor.type.blockSize}`);
  return (elements / tensor.type.blockSize) * tensor.type.blockBytes;
}

/**
 * The header of a GGUF v3 file (magic, version, counts, metadata, tensor infos, padding to the
 * alignment) and each tensor's offset in the data section that follows it.
 */
export function encodeGgufHeader(
  metadata: readonly (readonly [string, GgufMetadataValue])[],
  tensors: readonly GgufTensorPlan[],
  alignment = DEFAULT_GGUF_ALIGNMENT,
): { header: Uint8Array; offsets: number[]; dataBytes: number } {
  const out = new HeaderBytes();
  out.u32(MAGIC);
  out.u32(VERSION);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const [key, entry] of metadata) {
    out.string(key);
    out.u32(VALUE_TYPE_IDS[entry.type]);
    if (entry.type === "array") {
      out.u32(VALUE_TYPE_IDS[entry.itemType]);
      out.u64(entry.value.length);
      for (const item of entry.value) out.scalar(entry.itemType, item);
    } else out.scalar(entry.type, entry.value);
  }
  const offsets: number[] = [];
  let offset = 0;
  for (const tensor of tensors) {
    offsets.push(offset);
    offset = Math.ceil((offset + tensorByteLength(tensor)) / alignment) * alignment;
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(dim);
    out.u32(tensor.type.id);
    out.u64(offsets[offsets.length - 1] as number);
  }
  out.pad(alignment);
  return { header: out.result(), offsets, dataBytes: offset };
}

/**
 * Writes a GGUF v3 file front to back: the header first (every tensor's type and shape are known
 * up front, so its offsets are), then each tensor's bytes in header order, streamed in pieces
 * the caller produces one at a time, each tensor padded to the alignment.
 */
export class GgufWriter {
  private next = 0;
  private position: number;

  private constructor(
    private readonly handle: FileHandle,
    private readonly tensors: readonly GgufTensorPlan[],
    private readonly dataOffset: number,
    private readonly offsets: number[],
    private readonly alignment: number,
  ) {
    this.position = dataOffset;
  }

  static async create(
    path: string,
    metadata: readonly (readonly [string, GgufMetadataValue])[],
    tensors: readonly GgufTensorPlan[],
    alignment = DEFAULT_GGUF_ALIGNMENT,
  ): Promise<GgufWriter> {
    const withAlignment = alignment === DEFAULT_GGUF_ALIGNMENT ? metadata : [...metadata, ["general.alignment", { type: "uint32", value: alignment }] as const];
    const { header, offsets } = encodeGgufHeader(withAlignment, tensors, alignment);
    const handle = await open(path, "w");
    try {
      await writeAll(handle, header, 0);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new GgufWriter(handle, tensors, header.byteLength, offsets, alignment);
  }

  /** Writes the next tensor's bytes (in header order); they must add up to its size exactly. */
  async writeTensor(name: string, pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    const tensor = this.tensors[this.next];
    if (!tensor || tensor.name !== name) throw new Error(`GgufWriter: expected tensor ${tensor?.name ?? "(none left)"}, got ${name}`);
    const start = this.dataOffset + (this.offsets[this.next] as number);
    const expected = tensorByteLength(tensor);
    let written = 0;
    for await (const piece of pieces) {
      if (written + piece.byteLength > expected) throw new Error(`GgufWriter: tensor ${name} got more than its ${expected} bytes`);
      await writeAll(this.handle, piece, start + written);
      written += piece.byteLength;
    }
    if (written !== expected) throw new Error(`GgufWriter: tensor ${name} got ${written} bytes, its type and shape need ${expected}`);
    this.position = Math.ceil((start + written - this.dataOffset) / this.alignment) * this.alignment + this.dataOffset;
    this.next += 1;
  }

  /** Pads the last tensor and closes the file; every tensor must have been written. */
  async close(): Promise<void> {
    try {
      if (this.next !== this.tensors.length) throw new Error(`GgufWriter: ${this.tensors.length - this.next} tensors were not written`);
      await this.handle.truncate(this.position);
    } finally {
      await this.handle.close();
    }
  }

  /** Closes the file without checking it (the caller removes it). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}

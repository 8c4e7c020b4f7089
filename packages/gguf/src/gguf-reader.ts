import { type FileHandle, open } from "node:fs/promises";
import { type GgmlType, ggmlType } from "./ggml-type.js";
import { GgufFormatError } from "./gguf-format-error.js";
import { GgufTensorTypeError } from "./gguf-tensor-type-error.js";
import { GgufTruncatedError } from "./gguf-truncated-error.js";

/** A metadata value: integers beyond 2^53 stay bigint; arrays hold one type each. */
export type GgufValue = number | bigint | boolean | string | GgufValue[];

/** A tensor as the file lists it. `dims` are GGML's (innermost first); `shape` is the row-major one (reversed). */
export interface GgufTensorInfo {
  name: string;
  dims: number[];
  shape: number[];
  type: GgmlType;
  elements: number;
  bytes: number;
  /** Absolute byte offset of the tensor's data in the file. */
  offset: number;
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const DEFAULT_ALIGNMENT = 32;
const FIRST_HEADER_READ = 1 << 20;

/** Signals that the header continues past the bytes read so far. */
class NeedMore extends Error {}

const VALUE_TYPE_NAMES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"];

/** A cursor over the header bytes read so far; reading past them throws NeedMore. */
class Cursor {
  position = 0;
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly path: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private take(count: number): number {
    const at = this.position;
    if (at + count > this.bytes.byteLength) throw new NeedMore();
    this.position += count;
    return at;
  }
  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.take(8), true);
  }
  /** A uint64 used as a count or offset: it must fit a JavaScript number. */
  size(what: string): number {
    const value = this.u64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new GgufFormatError({ path: this.path, message: `${what} is ${value}, more than any file can hold: the header is corrupt` });
    return Number(value);
  }
  string(): string {
    const length = this.size("a string's length");
    const at = this.take(length);
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at, length).toString("utf8");
  }
  value(type: number): GgufValue {
    const v = this.view;
    switch (type) {
      case 0:
        return v.getUint8(this.take(1));
      case 1:
        return v.getInt8(this.take(1));
      case 2:
        return v.getUint16(this.take(2), true);
      case 3:
        return v.getInt16(this.take(2), true);
      case 4:
        return v.getUint32(this.take(4), true);
      case 5:
        return v.getInt32(this.take(4), true);
      case 6:
        return v.getFloat32(this.take(4), true);
      case 7:
        return v.getUint8(this.take(1)) !== 0;
      case 8:
        return this.string();
      case 9: {
        const itemType = this.u32();
        const count = this.size("an array's length");
        if (itemType > 12) throw new GgufFormatError({ path: this.path, message: `an array of unknown value type ${itemType}: the header is corrupt` });
        const items: GgufValue[] = new Array(count);
        for (let i = 0; i < count; i += 1) items[i] = this.value(itemType);
        return items;
      }
      case 10:
        return safe(v.getBigUint64(this.take(8), true));
      case 11:
        return safe(v.getBigInt64(this.take(8), true));
      case 12:
        return v.getFloat64(this.take(8), true);
      default:
        throw new GgufFormatError({
          path: this.path,
          message: `unknown metadata value type ${type} (known: ${VALUE_TYPE_NAMES.join(", ")}): the header is corrupt`,
        });
    }
  }
}

function safe(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

interface ParsedHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  dataOffset: number;
}

function parseHeader(bytes: Uint8Array, path: string): ParsedHeader {
  const cursor = new Cursor(bytes, path);
  const magic = cursor.u32();
  if (magic !== MAGIC) {
    const shown = Buffer.from(bytes.subarray(0, 4)).toString("latin1");
    throw new GgufFormatError({ path, message: `not a GGUF file (it starts with ${JSON.stringify(shown)}, not "GGUF"); pass a .gguf model file` });
  }
  const version = cursor.u32();
  if (version !== 2 && version !== 3) {
    const hint =
      version === 1
        ? "version 1 predates 64-bit counts; convert it again with a current llama.cpp"
        : version > 0xffff
          ? "a big-endian file? graft reads little-endian GGUF only"
          : "graft reads versions 2 and 3";
    throw new GgufFormatError({ path, message: `GGUF version ${version} is not supported: ${hint}` });
  }
  const tensorCount = cursor.size("the tensor count");
  const kvCount = cursor.size("the metadata count");
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i += 1) {
    const key = cursor.string();
    const type = cursor.u32();
    metadata.set(key, cursor.value(type));
  }
  const alignmentValue = metadata.get("general.alignment") ?? DEFAULT_ALIGNMENT;
  if (typeof alignmentValue !== "number" || !Number.isInteger(alignmentValue) || alignmentValue <= 0 || (alignmentValue & (alignmentValue - 1)) !== 0) {
    throw new GgufFormatError({ path, message: `general.alignment is ${String(alignmentValue)}, not a positive power of two` });
  }
  const alignment = alignmentValue;
  const raw: { name: string; dims: number[]; typeId: number; offset: number }[] = [];
  for (let i = 0; i < tensorCount; i += 1) {
    const name = cursor.string();
    const rank = cursor.u32();
    if (rank > 8) throw new GgufFormatError({ path, message: `tensor "${name}" has ${rank} dimensions: the header is corrupt` });
    const dims: number[] = [];
    for (let d = 0; d < rank; d += 1) dims.push(cursor.size(`a dimension of "${name}"`));
    const typeId = cursor.u32();
    const offset = cursor.size(`the offset of "${name}"`);
    raw.push({ name, dims, typeId, offset });
  }
  const dataOffset = Math.ceil(cursor.position / alignment) * alignment;
  const tensors = raw.map(({ name, dims, typeId, offset }) => {
    const type = ggmlType(typeId);
    if (!type) throw new GgufTensorTypeError({ path, tensorName: name, typeId, supported: ["the GGML types up to id 41"] });
    const elements = dims.reduce((a, b) => a * b, 1);
    if ((dims[0] ?? 1) % type.blockSize !== 0)
      throw new GgufFormatError({
        path,
        message: `tensor "${name}" has rows of ${dims[0]} elements, not a whole number of ${type.name} blocks of ${type.blockSize}`,
      });
    return { name, dims, shape: [...dims].reverse(), type, elements, bytes: (elements / type.blockSize) * type.blockBytes, offset: dataOffset + offset };
  });
  return { version, metadata, tensors, alignment, dataOffset };
}

/**
 * A GGUF file opened for reading: the header (metadata and tensor list) parsed at open, tensor data
 * read on demand by byte range through a file handle, so the file is never whole in memory.
 */
export class GgufReader implements ParsedHeader {
  readonly version: number;
  readonly metadata: Map<string, GgufValue>;
  readonly tensors: GgufTensorInfo[];
  readonly alignment: number;
  readonly dataOffset: number;
  private readonly byName: Map<string, GgufTensorInfo>;

  private constructor(
    readonly path: string,
    readonly size: number,
    private readonly handle: FileHandle,
    header: ParsedHeader,
  ) {
    this.version = header.version;
    this.metadata = header.metadata;
    this.tensors = header.tensors;
    this.alignment = header.alignment;
    this.dataOffset = header.dataOffset;
    this.byName = new Map(header.tensors.map((tensor) => [tensor.name, tensor]));
  }

  /** Opens and checks `path`: the header parses, and every tensor's data lies inside the file. */
  static async open(path: string): Promise<GgufReader> {
    const handle = await open(path, "r");
    try {
      const size = (await handle.stat()).size;
      let length = Math.min(size, FIRST_HEADER_READ);
      let header: ParsedHeader | undefined;
      while (!header) {
        const bytes = new Uint8Array(length);
        const { bytesRead } = await handle.read(bytes, 0, length, 0);
        try {
          header = parseHeader(bytes.subarray(0, bytesRead), path);
        } catch (error) {
          if (!(error instanceof NeedMore)) throw error;
          if (length >= size) throw new GgufTruncatedError({ path, part: "header", needed: size + 1, size });
          length = Math.min(size, length * 4);
        }
      }
      for (const tensor of header.tensors) {
        if (tensor.offset + tensor.bytes > size) throw new GgufTruncatedError({ path, part: tensor.name, needed: tensor.offset + tensor.bytes, size });
      }
      return new GgufReader(path, size, handle, header);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  tensor(name: string): GgufTensorInfo | undefined {
    return this.byName.get(name);
  }

  /** The raw bytes of `count` rows (of `dims[0]` elements) of a tensor from row `start`. */
  async readRows(tensor: GgufTensorInfo, start = 0, count?: number): Promise<Uint8Array> {
    const rowBytes = ((tensor.dims[0] ?? 1) / tensor.type.blockSize) * tensor.type.blockBytes;
    const rows = tensor.bytes / rowBytes;
    const wanted = count ?? rows - start;
    if (start < 0 || wanted < 0 || start + wanted > rows) throw new RangeError(`rows ${start}..${start + wanted} of "${tensor.name}", which has ${rows}`);
    const bytes = new Uint8Array(wanted * rowBytes);
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesRead } = await this.handle.read(bytes, done, bytes.byteLength - done, tensor.offset + start * rowBytes + done);
      if (bytesRead === 0) throw new GgufTruncatedError({ path: this.path, part: tensor.name, needed: tensor.offset + tensor.bytes, size: this.size });
      done += bytesRead;
    }
    return bytes;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

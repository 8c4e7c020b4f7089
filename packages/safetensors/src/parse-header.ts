import { type Dtype, dtypeBytes, elementCount, isDtype } from "./dtype.js";
import { InvalidHeaderError } from "./invalid-header-error.js";
import { parseStrictJson } from "./parse-strict-json.js";

/** Python safetensors refuses headers above 100 MB; so do we (a header that large is corrupt). */
export const MAX_HEADER_BYTES = 100_000_000;
/** Far above any real checkpoint (Llama-3-405B has ~1.1k tensors per shard set); bounds work on corrupt input. */
export const MAX_TENSOR_COUNT = 1_000_000;
/** Bounds the rank: real tensors have at most a handful of dimensions. */
export const MAX_TENSOR_RANK = 16;

export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Byte offset of the tensor's data in the file (header included). */
  offset: number;
  byteLength: number;
  /** The file holding the tensor. */
  file: string;
}

export interface ParsedHeader {
  /** 8 + header length: where the data section starts. */
  dataStart: number;
  metadata: Record<string, string>;
  tensors: Map<string, TensorInfo>;
}

/**
 * Validates a header (its JSON text) against the file size: dtypes, shapes, byte lengths,
 * offsets inside the file, no overlap, no hole, no duplicate name.
 */
export function parseHeader(path: string, headerText: string, headerLength: number, fileSize: number): ParsedHeader {
  let parsed: unknown;
  try {
    parsed = parseStrictJson(headerText);
  } catch (error) {
    throw new InvalidHeaderError({ path, message: `header is not valid JSON (${(error as Error).message})`, cause: error });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InvalidHeaderError({ path, message: "header JSON is not an object" });
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length > MAX_TENSOR_COUNT + 1) {
    throw new InvalidHeaderError({ path, message: `header lists ${entries.length} entries, above the cap of ${MAX_TENSOR_COUNT}` });
  }
  const dataStart = 8 + headerLength;
  const dataSize = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, value] of entries) {
    if (name === "__metadata__") {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new InvalidHeaderError({ path, message: "__metadata__ must be an object of strings" });
      }
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        if (typeof entry !== "string") throw new InvalidHeaderError({ path, message: `__metadata__.${key} must be a string` });
        metadata[key] = entry;
      }
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new InvalidHeaderError({ path, tensorName: name, message: "entry is not an object" });
    }
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (!isDtype(dtype)) throw new InvalidHeaderError({ path, tensorName: name, message: `unknown dtype ${JSON.stringify(dtype)}` });
    if (!Array.isArray(shape) || shape.length > MAX_TENSOR_RANK || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
      throw new InvalidHeaderError({ path, tensorName: name, message: `shape ${JSON.stringify(shape)} is not a list of non-negative integers` });
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0)) {
      throw new InvalidHeaderError({ path, tensorName: name, message: `data_offsets ${JSON.stringify(offsets)} is not [begin, end]` });
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) throw new InvalidHeaderError({ path, tensorName: name, message: `data_offsets [${begin}, ${end}] end before they begin` });
    if (end > dataSize) {
      throw new InvalidHeaderError({
        path,
        tensorName: name,
        message: `data_offsets end at ${end}, past the data section's ${dataSize} bytes (truncated file?)`,
      });
    }
    const expected = elementCount(shape as number[]) * dtypeBytes(dtype);
    if (expected !== end - begin) {
      throw new InvalidHeaderError({
        path,
        tensorName: name,
        message: `${dtype} ${JSON.stringify(shape)} needs ${expected} bytes but data_offsets span ${end - begin}`,
      });
    }
    tensors.set(name, { name, dtype, shape: [...(shape as number[])], offset: dataStart + begin, byteLength: end - begin, file: path });
    ranges.push({ name, begin, end });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const range of ranges) {
    if (range.begin < cursor)
      throw new InvalidHeaderError({
        path,
        tensorName: range.name,
        message: `data overlaps the previous tensor's (starts at ${range.begin}, previous ends at ${cursor})`,
      });
    if (range.begin > cursor)
      throw new InvalidHeaderError({ path, tensorName: range.name, message: `hole of ${range.begin - cursor} bytes before this tensor's data` });
    cursor = range.end;
  }
  if (cursor !== dataSize) {
    throw new InvalidHeaderError({ path, message: `tensors cover ${cursor} bytes but the data section has ${dataSize} (trailing bytes or truncated file)` });
  }
  return { dataStart, metadata, tensors };
}

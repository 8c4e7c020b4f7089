// The reader and the import refuse bad input with typed errors that name the file and what to do,
// and nothing appears at --out: a file that is not GGUF, an unsupported version, a truncated file
// (header or tensor data), an unknown or undequantizable tensor type, missing tokenizer metadata,
// and an architecture or tokenizer model graft does not import. Files are written by hand here.
import { createReadStream, createWriteStream, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { realModel, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { GgufFormatError } from "./gguf-format-error.js";
import { GgufMetadataError } from "./gguf-metadata-error.js";
import { GgufReader } from "./gguf-reader.js";
import { GgufTensorTypeError } from "./gguf-tensor-type-error.js";
import { GgufTruncatedError } from "./gguf-truncated-error.js";
import { GgufUnsupportedError } from "./gguf-unsupported-error.js";
import { importGguf } from "./import-gguf.js";

const real = await realModel("smollm2");
const work = temporaryDirectory();
afterAll(() => work.remove());

type Entry = [key: string, type: number, value: unknown, itemType?: number];
interface SyntheticTensor {
  name: string;
  dims: number[];
  type: number;
  data: Uint8Array;
}

/** Encodes one metadata value of GGUF value type `type`. */
function encodeValue(type: number, value: unknown, itemType?: number): Buffer {
  const b = (size: number, write: (buffer: Buffer) => void) => {
    const buffer = Buffer.alloc(size);
    write(buffer);
    return buffer;
  };
  switch (type) {
    case 0:
      return b(1, (x) => x.writeUInt8(value as number));
    case 1:
      return b(1, (x) => x.writeInt8(value as number));
    case 2:
      return b(2, (x) => x.writeUInt16LE(value as number));
    case 3:
      return b(2, (x) => x.writeInt16LE(value as number));
    case 4:
      return b(4, (x) => x.writeUInt32LE(value as number));
    case 5:
      return b(4, (x) => x.writeInt32LE(value as number));
    case 6:
      return b(4, (x) => x.writeFloatLE(value as number));
    case 7:
      return b(1, (x) => x.writeUInt8(value ? 1 : 0));
    case 8: {
      const bytes = Buffer.from(value as string, "utf8");
      return Buffer.concat([b(8, (x) => x.writeBigUInt64LE(BigInt(bytes.length))), bytes]);
    }
    case 9: {
      const items = value as unknown[];
      const head = b(12, (x) => {
        x.writeUInt32LE(itemType as number);
        x.writeBigUInt64LE(BigInt(items.length), 4);
      });
      return Buffer.concat([head, ...items.map((item) => encodeValue(itemType as number, item))]);
    }
    case 10:
      return b(8, (x) => x.writeBigUInt64LE(BigInt(value as number | bigint)));
    case 11:
      return b(8, (x) => x.writeBigInt64LE(BigInt(value as number | bigint)));
    case 12:
      return b(8, (x) => x.writeDoubleLE(value as number));
    default:
      throw new Error(`type ${type}`);
  }
}

/** A GGUF file: magic, version, the metadata, the tensor infos, padding to the alignment, the data. */
function writeGguf(path: string, entries: Entry[], tensors: SyntheticTensor[], { version = 3, alignment = 32 } = {}): void {
  const parts: Buffer[] = [Buffer.from("GGUF", "latin1")];
  const head = Buffer.alloc(20);
  head.writeUInt32LE(version);
  head.writeBigUInt64LE(BigInt(tensors.length), 4);
  head.writeBigUInt64LE(BigInt(entries.length), 12);
  parts.push(head);
  for (const [key, type, value, itemType] of entries) parts.push(encodeValue(8, key), encodeValue(4, type), encodeValue(type, value, itemType));
  let offset = 0;
  const offsets: number[] = [];
  for (const tensor of tensors) {
    offsets.push(offset);
    offset = Math.ceil((offset + tensor.data.byteLength) / alignment) * alignment;
  }
  tensors.forEach((tensor, index) => {
    parts.push(
      encodeValue(8, tensor.name),
      encodeValue(4, tensor.dims.length),
      ...tensor.dims.map((dim) => encodeValue(10, dim)),
      encodeValue(4, tensor.type),
      encodeValue(10, offsets[index]),
    );
  });
  let header = Buffer.concat(parts);
  header = Buffer.concat([header, Buffer.alloc(Math.ceil(header.length / alignment) * alignment - header.length)]);
  const data = Buffer.alloc(offset);
  tensors.forEach((tensor, index) => {
    data.set(tensor.data, offsets[index]);
  });
  writeFileSync(path, Buffer.concat([header, data]));
}

const f32 = (...values: number[]) => new Uint8Array(new Float32Array(values).buffer);

const LLAMA: Entry[] = [
  ["general.architecture", 8, "llama"],
  ["llama.block_count", 4, 1],
  ["llama.embedding_length", 4, 4],
  ["llama.feed_forward_length", 4, 8],
  ["llama.attention.head_count", 4, 2],
  ["llama.attention.head_count_kv", 4, 1],
];
const TOKENIZER: Entry[] = [
  ["tokenizer.ggml.model", 8, "gpt2"],
  ["tokenizer.ggml.tokens", 9, ["a", "b", "ab"], 8],
  ["tokenizer.ggml.merges", 9, ["a b"], 8],
];
const TENSORS: SyntheticTensor[] = [
  { name: "token_embd.weight", dims: [4, 3], type: 0, data: f32(...Array.from({ length: 12 }, (_, i) => i)) },
  { name: "output_norm.weight", dims: [4], type: 0, data: f32(1, 1, 1, 1) },
];

let count = 0;
/** A fresh output path under the work directory, checked to stay absent after a failed import. */
function out(): string {
  count += 1;
  return join(work.path, `out-${count}`);
}

async function refuses(file: string, check: (error: unknown) => boolean): Promise<unknown> {
  const target = out();
  const error = await importGguf({ file, out: target }).catch((caught: unknown) => caught);
  expect(check(error), String(error)).toBe(true);
  expect(existsSync(target)).toBe(false);
  expect((error as Error).message).toContain(file);
  return error;
}

describe("GgufReader", () => {
  it("reads every metadata value type, arrays, a custom alignment and version 2", async () => {
    const path = join(work.path, "values.gguf");
    const entries: Entry[] = [
      ["general.alignment", 4, 64],
      ["u8", 0, 200],
      ["i8", 1, -100],
      ["u16", 2, 60000],
      ["i16", 3, -30000],
      ["u32", 4, 4000000000],
      ["i32", 5, -2000000000],
      ["f32", 6, 0.5],
      ["bool", 7, true],
      ["string", 8, "Привет"],
      ["array", 9, [1, -2, 3], 5],
      ["strings", 9, ["x", "yz"], 8],
      ["u64", 10, 2n ** 60n],
      ["i64", 11, -5],
      ["f64", 12, 1e-300],
    ];
    writeGguf(
      path,
      entries,
      [
        { name: "t", dims: [2, 2], type: 0, data: f32(1, 2, 3, 4) },
        { name: "u", dims: [2], type: 0, data: f32(5, 6) },
      ],
      { version: 2, alignment: 64 },
    );
    const reader = await GgufReader.open(path);
    try {
      expect(reader.version).toBe(2);
      expect(reader.alignment).toBe(64);
      expect(reader.dataOffset % 64).toBe(0);
      const values = Object.fromEntries(reader.metadata);
      expect(values).toMatchObject({
        u8: 200,
        i8: -100,
        u16: 60000,
        i16: -30000,
        u32: 4000000000,
        i32: -2000000000,
        f32: 0.5,
        bool: true,
        string: "Привет",
        array: [1, -2, 3],
        strings: ["x", "yz"],
        u64: 2n ** 60n,
        i64: -5,
        f64: 1e-300,
      });
      const u = reader.tensor("u");
      expect(u?.offset).toBe(reader.dataOffset + 64);
      expect(reader.tensor("t")?.shape).toEqual([2, 2]);
      expect([...new Float32Array((await reader.readRows(u!)).buffer)]).toEqual([5, 6]);
    } finally {
      await reader.close();
    }
  });

  it("refuses an unsupported version and a type id the format does not define", async () => {
    const v1 = join(work.path, "v1.gguf");
    writeGguf(v1, LLAMA, TENSORS, { version: 1 });
    await expect(GgufReader.open(v1)).rejects.toSatisfy((error) => GgufFormatError.isInstance(error) && /version 1/.test(String(error)));
    const unknown = join(work.path, "unknown-type.gguf");
    writeGguf(unknown, [...LLAMA, ...TOKENIZER], [TENSORS[0], { name: "output_norm.weight", dims: [4], type: 99, data: f32(1, 1, 1, 1) }]);
    await refuses(unknown, (error) => GgufTensorTypeError.isInstance(error) && (error as GgufTensorTypeError).typeId === 99);
  });
});

describe("importGguf refuses bad input, writing nothing", () => {
  it("a file that is not GGUF", async () => {
    const path = join(work.path, "not.gguf");
    writeFileSync(path, '{\n  "model_type": "llama"\n}\n');
    const error = await refuses(path, GgufFormatError.isInstance);
    expect(String(error)).toMatch(/not a GGUF file/);
  });

  it("a tensor type graft does not dequantize (Q5_0)", async () => {
    const path = join(work.path, "q5_0.gguf");
    writeGguf(path, [...LLAMA, ...TOKENIZER], [TENSORS[0], { name: "output_norm.weight", dims: [32], type: 6, data: new Uint8Array(22) }]);
    const error = await refuses(path, GgufTensorTypeError.isInstance);
    expect(String(error)).toMatch(/Q5_0.*Q4_K/);
  });

  it("no tokenizer metadata", async () => {
    const path = join(work.path, "no-tokenizer.gguf");
    writeGguf(path, LLAMA, TENSORS);
    const error = await refuses(path, GgufMetadataError.isInstance);
    expect((error as GgufMetadataError).key).toBe("tokenizer.ggml.model");
  });

  it("missing model metadata", async () => {
    const path = join(work.path, "no-layers.gguf");
    writeGguf(path, [...LLAMA.filter(([key]) => key !== "llama.block_count"), ...TOKENIZER], TENSORS);
    const error = await refuses(path, GgufMetadataError.isInstance);
    expect((error as GgufMetadataError).key).toBe("llama.block_count");
  });

  it("an architecture or a tokenizer model graft does not import", async () => {
    const gemma = join(work.path, "gemma.gguf");
    writeGguf(gemma, [["general.architecture", 8, "gemma3"], ...TOKENIZER], TENSORS);
    const error = await refuses(gemma, GgufUnsupportedError.isInstance);
    expect(error).toMatchObject({ feature: "architecture", value: "gemma3" });
    const sentencepiece = join(work.path, "spm.gguf");
    writeGguf(sentencepiece, [...LLAMA, ["tokenizer.ggml.model", 8, "llama"]], TENSORS);
    expect(await refuses(sentencepiece, GgufUnsupportedError.isInstance)).toMatchObject({ feature: "tokenizer", value: "llama" });
  });

  it("a truncated file: tensor data or the header past the end", async () => {
    const path = join(work.path, "short-data.gguf");
    writeGguf(path, [...LLAMA, ...TOKENIZER], TENSORS);
    const { readFileSync } = await import("node:fs");
    const whole = readFileSync(path);
    // 24 bytes: past the 16 bytes of padding after the last tensor
    writeFileSync(path, whole.subarray(0, whole.length - 24));
    expect(await refuses(path, GgufTruncatedError.isInstance)).toMatchObject({ part: "output_norm.weight" });
    const header = join(work.path, "short-header.gguf");
    writeFileSync(header, whole.subarray(0, 100));
    expect(await refuses(header, GgufTruncatedError.isInstance)).toMatchObject({ part: "header" });
  });

  it.skipIf(real.skip !== undefined)(`the real SmolLM2 file cut short${real.skip ? ` (skipped: ${real.skip})` : ""}`, async () => {
    const path = join(work.path, "smollm2-cut.gguf");
    await pipeline(createReadStream(real.path as string, { start: 0, end: 40_000_000 - 1 }), createWriteStream(path));
    const error = await refuses(path, GgufTruncatedError.isInstance);
    expect(String(error)).toMatch(/fetch the file again/);
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidHeaderError } from "./invalid-header-error.js";
import { SafetensorsError } from "./safetensors-error.js";
import { SafetensorsReader } from "./safetensors-reader.js";
import { ShardedSafetensorsWriter } from "./sharded-safetensors-writer.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

function fileWithHeader(header: string | object, dataBytes: number, lengthOverride?: bigint): Buffer {
  const text = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(lengthOverride ?? BigInt(text.byteLength));
  return Buffer.concat([prefix, text, Buffer.alloc(dataBytes)]);
}

async function openBytes(bytes: Uint8Array, name: string): Promise<SafetensorsReader> {
  const path = join(work.path, name);
  writeFileSync(path, bytes);
  return SafetensorsReader.open(path);
}

/** A valid small file to mutate. */
async function validFile(): Promise<Buffer> {
  const directory = join(work.path, "valid");
  const writer = new ShardedSafetensorsWriter({ directory });
  await writer.addTensor("model.embed_tokens.weight", { dtype: "BF16", shape: [4, 3], data: new Uint8Array(24).fill(7) });
  await writer.addTensor("lm_head.weight", { dtype: "F32", shape: [2, 2], data: new Uint8Array(16).fill(3) });
  await writer.addTensor("scale", { dtype: "I64", shape: [], data: new Uint8Array(8).fill(1) });
  await writer.finalize();
  const { readFileSync } = await import("node:fs");
  return readFileSync(join(directory, "model.safetensors"));
}

describe("header validation", () => {
  it("gives a typed error that names the problem for each kind of bad header", async () => {
    const entry = (offsets: number[], dtype = "F32", shape = [2]) => ({ dtype, shape, data_offsets: offsets });
    const cases = [
      { name: "bad JSON", bytes: fileWithHeader("{not json", 0), expected: /not valid JSON/ },
      { name: "not an object", bytes: fileWithHeader("[1,2]", 0), expected: /not an object/ },
      { name: "unknown dtype", bytes: fileWithHeader({ a: entry([0, 8], "F128") }, 8), expected: /"a": unknown dtype "F128"/ },
      { name: "offsets outside the file", bytes: fileWithHeader({ a: entry([0, 8]) }, 4), expected: /past the data section/ },
      { name: "overlap", bytes: fileWithHeader({ a: entry([0, 8]), b: entry([4, 12]) }, 12), expected: /overlaps/ },
      { name: "hole", bytes: fileWithHeader({ a: entry([0, 8]), b: entry([12, 20]) }, 20), expected: /hole of 4 bytes/ },
      { name: "dtype x shape != bytes", bytes: fileWithHeader({ a: entry([0, 12]) }, 12), expected: /F32 \[2\] needs 8 bytes but data_offsets span 12/ },
      {
        name: "duplicate names",
        bytes: fileWithHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', 16),
        expected: /duplicate key "a"/,
      },
      { name: "header too large", bytes: fileWithHeader("{}", 0, 200_000_000n), expected: /above the cap of 100000000 bytes/ },
      { name: "header past end", bytes: fileWithHeader("{}", 0, 5000n), expected: /runs past the end/ },
      { name: "trailing bytes", bytes: fileWithHeader({ a: entry([0, 8]) }, 12), expected: /cover 8 bytes but the data section has 12/ },
      { name: "too short", bytes: Buffer.from([1, 2, 3]), expected: /fewer than the 8-byte header length/ },
      { name: "bad metadata", bytes: fileWithHeader({ __metadata__: { format: 5 } }, 0), expected: /__metadata__.format must be a string/ },
    ];
    for (const [index, testCase] of cases.entries()) {
      const error = await openBytes(testCase.bytes, `case-${index}.safetensors`).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(InvalidHeaderError.isInstance(error), testCase.name).toBe(true);
      expect((error as Error).message, testCase.name).toMatch(testCase.expected);
      expect((error as Error).message, testCase.name).toContain(`case-${index}.safetensors`);
    }
  });

  it("fuzz: 10,000 mutated headers and truncated files give only typed errors, never another exception", async () => {
    const original = await validFile();
    const headerEnd = 8 + Number(original.readBigUInt64LE(0));
    let state = 20261122;
    const random = (limit: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % limit;
    };
    const outcomes = { opened: 0, typed: 0 };
    const untyped: string[] = [];
    const path = join(work.path, "fuzz.safetensors");
    for (let iteration = 0; iteration < 10_000; iteration += 1) {
      let bytes = Buffer.from(original);
      const kind = iteration % 5;
      if (kind === 0) bytes = bytes.subarray(0, random(bytes.length));
      else if (kind === 1) for (let flips = 1 + random(4); flips > 0; flips -= 1) bytes[8 + random(headerEnd - 8)] = random(256);
      else if (kind === 2) bytes[random(8)] = random(256);
      else if (kind === 3) {
        const text = bytes
          .subarray(8, headerEnd)
          .toString("latin1")
          .replace(/\d+/g, (digits) => (random(3) === 0 ? String(Number(digits) + random(40) - 20) : digits));
        const header = Buffer.from(text, "latin1");
        const prefix = Buffer.alloc(8);
        prefix.writeBigUInt64LE(BigInt(header.length));
        bytes = Buffer.concat([prefix, header, bytes.subarray(headerEnd)]);
      } else {
        const cut = 8 + random(headerEnd - 8);
        bytes = Buffer.concat([bytes.subarray(0, cut), bytes.subarray(cut + 1 + random(6))]);
      }
      writeFileSync(path, bytes);
      try {
        const reader = await SafetensorsReader.open(path);
        for (const name of reader.tensorNames()) await reader.readTensor(name);
        await reader.close();
        outcomes.opened += 1;
      } catch (error) {
        if (SafetensorsError.isInstance(error)) outcomes.typed += 1;
        else untyped.push(`${iteration}: ${(error as Error)?.stack ?? String(error)}`);
      }
    }
    expect(untyped.slice(0, 3)).toEqual([]);
    expect(outcomes.typed).toBeGreaterThan(5_000);
    expect(outcomes.opened + outcomes.typed).toBe(10_000);
  });
});

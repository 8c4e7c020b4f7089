import { spawnSync } from "node:child_process";
import { stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { readFloat32 } from "./read-float32.js";
import { readFloat32Parallel } from "./read-float32-parallel.js";
import { ReadRangeError } from "./read-range-error.js";
import { SafetensorsReader } from "./safetensors-reader.js";
import { ShardedSafetensorsReader } from "./sharded-safetensors-reader.js";
import { ShardedSafetensorsWriter } from "./sharded-safetensors-writer.js";
import { fromFloat32, toFloat32 } from "./to-float32.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

describe("readFloat32", () => {
  it("equals a whole-tensor conversion for every floating dtype and block size, odd lengths included", async () => {
    const values = Float32Array.from({ length: 7 * 5 }, (_, index) => Math.sin(index) * 100);
    const writer = new ShardedSafetensorsWriter({ directory: work.path, maxShardSize: 200 });
    for (const dtype of ["F32", "F16", "BF16"] as const) await writer.addTensor(`t.${dtype}`, fromFloat32(values, dtype, [7, 5]));
    await writer.addTensor("t.F64", { dtype: "F64", shape: [2], data: new Uint8Array(new Float64Array([1.5, -2]).buffer) });
    await writer.finalize();
    const reader = await ShardedSafetensorsReader.open(work.path);
    for (const name of reader.tensorNames()) {
      const whole = toFloat32(await reader.readTensor(name));
      for (const blockBytes of [1, 12, 64, 1 << 20]) {
        const { values: blocked, shape } = await readFloat32(reader, name, { blockBytes });
        expect(Array.from(blocked), `${name} block ${blockBytes}`).toEqual(Array.from(whole));
        expect(shape).toEqual((await reader.info(name)).shape);
      }
    }
    await reader.close();
  });
});

describe("readFloat32 on worker threads", () => {
  /** Every bf16 bit pattern (NaNs, ±Inf, ±0, subnormals) at least once, in a scrambled order. */
  function allBf16Patterns(length: number): Uint16Array {
    const bits = new Uint16Array(length);
    for (let index = 0; index < length; index += 1) bits[index] = (index * 40503 + (index >>> 16)) & 0xffff;
    return bits;
  }

  it("gives the single-thread result bit for bit, for BF16 and F32, any length and thread count", async () => {
    const writer = new ShardedSafetensorsWriter({ directory: join(work.path, "parallel"), maxShardSize: 1 << 20 });
    // Lengths around the 8-value SIMD groups, and one of many 64 Ki-element pieces over a shard.
    const lengths = [1, 7, 8, 9, 1001, (1 << 22) + 13];
    for (const length of lengths) {
      const bits = allBf16Patterns(length);
      await writer.addTensor(`bf16.${length}`, { dtype: "BF16", shape: [length], data: new Uint8Array(bits.buffer) });
      const f32 = Float32Array.from({ length: Math.min(length, 70_001) }, (_, index) => Math.cos(index) * 3);
      await writer.addTensor(`f32.${length}`, { dtype: "F32", shape: [f32.length], data: new Uint8Array(f32.buffer) });
    }
    await writer.finalize();
    const reader = await ShardedSafetensorsReader.open(join(work.path, "parallel"));
    for (const name of reader.tensorNames()) {
      const single = await readFloat32(reader, name, { threads: 1 });
      const expected = new Uint32Array(single.values.buffer, single.values.byteOffset, single.values.length);
      for (const threads of [2, 3]) {
        const parallel = await readFloat32(reader, name, { threads, parallelMinBytes: 1 });
        expect(parallel.values.buffer, name).toBeInstanceOf(SharedArrayBuffer);
        expect(parallel.shape).toEqual(single.shape);
        const got = new Uint32Array(parallel.values.buffer, parallel.values.byteOffset, parallel.values.length);
        expect(got.length, name).toBe(expected.length);
        let firstDifference = -1;
        for (let index = 0; index < got.length && firstDifference < 0; index += 1) if (got[index] !== expected[index]) firstDifference = index;
        expect(firstDifference, `${name} with ${threads} threads`).toBe(-1);
      }
    }
    // Widening is exact: bf16 bits b become f32 bits b << 16, NaN payloads included.
    const { values } = await readFloat32(reader, "bf16.1001", { threads: 2, parallelMinBytes: 1 });
    const bits = allBf16Patterns(1001);
    expect(Array.from(new Uint32Array(values.buffer, 0, 1001))).toEqual(Array.from(bits, (value) => (value << 16) >>> 0));
    await reader.close();
  });

  it("the scratch-memory path (BF16 results that are not WebAssembly memory, as above 4 GiB) gives the same bits", async () => {
    const directory = join(work.path, "scratch-path");
    const writer = new ShardedSafetensorsWriter({ directory });
    const length = (1 << 18) + 5;
    await writer.addTensor("bf16", { dtype: "BF16", shape: [length], data: new Uint8Array(allBf16Patterns(length).buffer) });
    await writer.finalize();
    const file = join(directory, "model.safetensors");
    const reader = await SafetensorsReader.open(file);
    const info = await reader.info("bf16");
    const single = await readFloat32(reader, "bf16", { threads: 1 });
    for (const inPlace of [true, false]) {
      const values = await readFloat32Parallel({ path: file, tensorName: "bf16", position: info.offset, dtype: "BF16", elements: length, threads: 2, inPlace });
      expect(values, `inPlace ${inPlace}`).toBeDefined();
      // In place, the result is WebAssembly memory: its buffer is rounded up to 64 KiB pages.
      expect(values!.buffer.byteLength > length * 4, `inPlace ${inPlace}`).toBe(inPlace);
      expect(Buffer.compare(Buffer.from(values!.buffer, 0, length * 4), Buffer.from(single.values.buffer, 0, length * 4)), `inPlace ${inPlace}`).toBe(0);
    }
    await reader.close();
  });

  it("results that are dropped are collected as reading goes on: 40 reads of a 32 MiB result grow RSS by far less than their 1.25 GiB", async () => {
    const directory = join(work.path, "many");
    const writer = new ShardedSafetensorsWriter({ directory });
    const length = 1 << 23;
    await writer.addTensor("embed", { dtype: "BF16", shape: [length], data: new Uint8Array(allBf16Patterns(length).buffer) });
    await writer.finalize();
    const script = fileURLToPath(new URL("./fixtures/read-many.ts", import.meta.url));
    const run = spawnSync(process.execPath, ["--import", "tsx", script, join(directory, "model.safetensors"), "embed", "40"], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const { growthBytes } = JSON.parse(run.stdout) as { growthBytes: number };
    // Bound: the live result, the largest result and 64 MiB of slack (160 MiB), plus room for the
    // worker threads and the engine's own growth.
    expect(growthBytes).toBeLessThan(320 * 2 ** 20);
  });

  it("a file cut short after opening gives a ReadRangeError naming the tensor, from the workers too", async () => {
    const directory = join(work.path, "truncated");
    const writer = new ShardedSafetensorsWriter({ directory });
    await writer.addTensor("embed", { dtype: "BF16", shape: [64, 1000], data: new Uint8Array(allBf16Patterns(64_000).buffer) });
    await writer.finalize();
    const file = join(directory, "model.safetensors");
    const reader = await SafetensorsReader.open(file);
    await truncate(file, (await stat(file)).size - 1000);
    for (const threads of [1, 2]) {
      const error = await readFloat32(reader, "embed", { threads, parallelMinBytes: 1 }).catch((caught: unknown) => caught);
      expect(error, `${threads} threads`).toBeInstanceOf(ReadRangeError);
      expect((error as ReadRangeError).tensorName).toBe("embed");
      expect((error as Error).message).toMatch(/truncated or changed while reading/);
    }
    await reader.close();
  });
});

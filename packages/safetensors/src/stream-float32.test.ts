import { createHash } from "node:crypto";
import { join } from "node:path";
import { runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { readFloat32 } from "./read-float32.js";
import { ShardedSafetensorsReader } from "./sharded-safetensors-reader.js";
import { ShardedSafetensorsWriter } from "./sharded-safetensors-writer.js";
import { streamFloat32 } from "./stream-float32.js";
import { fromFloat32 } from "./to-float32.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

const bits = (values: Float32Array) => new Uint32Array(values.buffer, values.byteOffset, values.length);
const sha = (values: Float32Array) =>
  createHash("sha256")
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest("hex");

describe("streamFloat32", () => {
  it("gives every tensor as readFloat32 does, bit for bit, over shards, dtypes and thread counts; one buffer is reused", async () => {
    const directory = join(work.path, "mixed");
    const writer = new ShardedSafetensorsWriter({ directory, maxShardSize: 3 << 20 });
    // Sizes around the 8-value SIMD groups and the 64 Ki-element pieces; the largest tensor comes
    // last, so the reused memory must be sized from all of them before the first read. An I64
    // tensor is skipped (not floating).
    const sizes = [(1 << 19) + 3, 1, 9, 70_001, 1 << 16, (1 << 20) + 7];
    for (const [index, length] of sizes.entries()) {
      const values = Float32Array.from({ length }, (_, at) => Math.sin(at * 0.37 + index) * 10 ** ((at % 7) - 3));
      for (const dtype of ["BF16", "F32", "F16"] as const) await writer.addTensor(`t${index}.${dtype}`, fromFloat32(values, dtype, [length]));
    }
    await writer.addTensor("t.F64", { dtype: "F64", shape: [2], data: new Uint8Array(new Float64Array([1.5, -2]).buffer) });
    await writer.addTensor("t.I64", { dtype: "I64", shape: [2], data: new Uint8Array(16) });
    await writer.finalize();
    const reader = await ShardedSafetensorsReader.open(directory);
    for (const threads of [1, 2, 3]) {
      const seen: string[] = [];
      const buffers = new Set<ArrayBufferLike>();
      for await (const { name, shape, values } of streamFloat32(reader, { threads, parallelMinBytes: 1 << 16 })) {
        seen.push(name);
        const expected = await readFloat32(reader, name, { threads: 1 });
        expect(shape, name).toEqual(expected.shape);
        expect(
          Buffer.compare(
            Buffer.from(bits(values).buffer, values.byteOffset, values.byteLength),
            Buffer.from(bits(expected.values).buffer, expected.values.byteOffset, expected.values.byteLength),
          ),
          `${name}, ${threads} threads`,
        ).toBe(0);
        if (!name.endsWith("F16") && !name.endsWith("F64")) buffers.add(values.buffer);
      }
      expect(seen).toEqual(reader.tensorNames().filter((name) => name !== "t.I64"));
      expect(buffers.size, `${threads} threads`).toBe(1);
    }
    // A chosen subset, in the caller's order; the buffer is sized for it alone.
    const names = ["t4.F32", "t1.BF16"];
    const got = [];
    for await (const { name, values } of streamFloat32(reader, { names })) got.push([name, values.length, values.buffer.byteLength]);
    expect(got).toEqual([
      ["t4.F32", 1 << 16, 1 << 18],
      ["t1.BF16", 1, 1 << 18],
    ]);
    // Named, a tensor that is not floating is a typed error.
    await expect(async () => {
      for await (const _ of streamFloat32(reader, { names: ["t.I64"] })) void _;
    }).rejects.toThrow(/I64 is not a floating dtype/);
    await reader.close();
  });

  it("each step overwrites the last one's values (slice() keeps a copy)", async () => {
    const directory = join(work.path, "overwrite");
    const writer = new ShardedSafetensorsWriter({ directory });
    await writer.addTensor("a", fromFloat32(new Float32Array(1000).fill(1), "BF16", [1000]));
    await writer.addTensor("b", fromFloat32(new Float32Array(1000).fill(2), "BF16", [1000]));
    await writer.finalize();
    const reader = await ShardedSafetensorsReader.open(directory);
    const views: Float32Array[] = [];
    const copies: Float32Array[] = [];
    for await (const { values } of streamFloat32(reader)) {
      views.push(values);
      copies.push(values.slice());
    }
    expect([views[0][0], views[1][0]]).toEqual([2, 2]);
    expect([copies[0][0], copies[1][0]]).toEqual([1, 2]);
    await reader.close();
  });

  it("streams over two checkpoints in lockstep (as for θ_a − θ_b), each with its own buffer", async () => {
    const directories = ["left", "right"].map((side) => join(work.path, `lockstep-${side}`));
    for (const [side, directory] of directories.entries()) {
      const writer = new ShardedSafetensorsWriter({ directory });
      for (let index = 0; index < 3; index += 1) {
        const values = Float32Array.from({ length: 300_000 + index }, (_, at) => Math.cos(at * (side + 1)) + index);
        await writer.addTensor(`w${index}`, fromFloat32(values, "BF16", [values.length]));
      }
      await writer.finalize();
    }
    const [left, right] = await Promise.all(directories.map((directory) => ShardedSafetensorsReader.open(directory)));
    const streams = [streamFloat32(left!, { parallelMinBytes: 1 << 16 }), streamFloat32(right!, { parallelMinBytes: 1 << 16 })];
    for (;;) {
      const [a, b] = await Promise.all(streams.map((stream) => stream.next()));
      if (a!.done || b!.done) {
        expect([a!.done, b!.done]).toEqual([true, true]);
        break;
      }
      expect(a!.value.values.buffer).not.toBe(b!.value.values.buffer);
      expect(sha(a!.value.values)).toBe(sha((await readFloat32(left!, a!.value.name, { threads: 1 })).values));
      expect(sha(b!.value.values)).toBe(sha((await readFloat32(right!, b!.value.name, { threads: 1 })).values));
    }
    await Promise.all([left!.close(), right!.close()]);
  });

  it("matches torch's .float() of what Python's safetensors reads, for BF16, F16 and F32 files Python wrote", async () => {
    const directory = join(work.path, "from-python");
    const digests = runPythonJson<Record<string, [number[], string]>>(
      `import hashlib, json, os, sys, torch
from safetensors.torch import save_file, load_file
torch.manual_seed(0)
directory = sys.argv[1]
os.makedirs(directory, exist_ok=True)
tensors = {"embed": torch.randn(3000, 96).to(torch.bfloat16), "odd": torch.randn(70001).to(torch.bfloat16),
           "half": torch.randn(40, 33).to(torch.float16), "full": torch.randn(512, 300), "tiny": torch.randn(3).to(torch.bfloat16)}
save_file(tensors, os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
loaded = load_file(os.path.join(directory, "model.safetensors"))
print(json.dumps({name: [list(t.shape), hashlib.sha256(t.float().contiguous().numpy().tobytes()).hexdigest()] for name, t in loaded.items()}))
`,
      { args: [directory] },
    );
    const reader = await ShardedSafetensorsReader.open(directory);
    const ours: Record<string, [number[], string]> = {};
    for await (const { name, shape, values } of streamFloat32(reader, { parallelMinBytes: 1 << 16 })) ours[name] = [shape, sha(values)];
    expect(ours).toEqual(digests);
    await reader.close();
  });
});

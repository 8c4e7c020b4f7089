import { afterAll, describe, expect, it } from "vitest";
import { temporaryDirectory } from "@graft/testing";
import { fromFloat32, toFloat32 } from "./to-float32.js";
import { readFloat32 } from "./read-float32.js";
import { ShardedSafetensorsReader } from "./sharded-safetensors-reader.js";
import { ShardedSafetensorsWriter } from "./sharded-safetensors-writer.js";

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

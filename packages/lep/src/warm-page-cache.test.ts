import { stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { SafetensorsReader, ShardedSafetensorsReader, ShardedSafetensorsWriter } from "@graft/safetensors";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it, vi } from "vitest";
import { WARM_CHUNK_BYTES, warmPageCache } from "./warm-page-cache.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

async function model(name: string): Promise<string> {
  const directory = join(work.path, name);
  const writer = new ShardedSafetensorsWriter({ directory });
  // 2.5 chunks of rows, so the last read is a partial one.
  const rows = Math.floor((WARM_CHUNK_BYTES * 2.5) / 4096);
  await writer.addTensor("embed", { dtype: "BF16", shape: [rows, 2048], data: new Uint8Array(rows * 4096) });
  await writer.addTensor("small", { dtype: "F32", shape: [3], data: new Uint8Array(12) });
  await writer.finalize();
  return directory;
}

describe("warmPageCache", () => {
  it("reads every row of every tensor once, in chunks of at most WARM_CHUNK_BYTES, in the order given", async () => {
    const reader = await ShardedSafetensorsReader.open(await model("whole"));
    const file = await reader.fileReader("embed");
    const reads: [string, number, number][] = [];
    const original = SafetensorsReader.prototype.readRowsInto;
    const spy = vi.spyOn(file, "readRowsInto").mockImplementation(function (this: SafetensorsReader, name, start, count, target) {
      reads.push([name, start, count]);
      return original.call(this, name, start, count, target);
    });
    await warmPageCache([
      { reader, name: "small" },
      { reader, name: "embed" },
    ]);
    spy.mockRestore();
    const embedRows = (await reader.info("embed")).shape[0]!;
    expect(reads[0]).toEqual(["small", 0, 3]);
    const embed = reads.slice(1);
    expect(embed.map(([, start]) => start)).toEqual([0, 4096, 8192]);
    expect(embed.reduce((sum, [, , count]) => sum + count, 0)).toBe(embedRows);
    expect(Math.max(...embed.map(([, , count]) => count * 4096))).toBeLessThanOrEqual(WARM_CHUNK_BYTES);
    await reader.close();
  });

  it("resolves when a file was cut short (the real read reports it) and stops once aborted", async () => {
    const directory = await model("cut");
    const reader = await ShardedSafetensorsReader.open(directory);
    const path = join(directory, "model.safetensors");
    await truncate(path, (await stat(path)).size - WARM_CHUNK_BYTES);
    await expect(warmPageCache([{ reader, name: "embed" }])).resolves.toBeUndefined();
    const file = await reader.fileReader("embed");
    const spy = vi.spyOn(file, "readRowsInto");
    const stop = new AbortController();
    stop.abort();
    await warmPageCache([{ reader, name: "embed" }], stop.signal);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    await reader.close();
  });
});

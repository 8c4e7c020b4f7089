import { join } from "node:path";
import { float32ArrayToBf16, ShardedSafetensorsReader, ShardedSafetensorsWriter } from "@graft/safetensors";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddingMatrix } from "./embedding-matrix.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

const bf16 = (values: number[]) => new Uint8Array(float32ArrayToBf16(Float32Array.from(values), new Uint16Array(values.length)).buffer);
const rows = (matrix: EmbeddingMatrix) => Array.from(matrix.rowsAsFloat32(0, matrix.rows, new Float32Array(matrix.rows * matrix.width)));

describe("EmbeddingMatrix.read", () => {
  it("reads a second bf16 matrix of the same size into the first one's memory, with the second's values", async () => {
    const directory = join(work.path, "model");
    const writer = new ShardedSafetensorsWriter({ directory });
    await writer.addTensor("a", { dtype: "BF16", shape: [3, 2], data: bf16([1, 2, 3, 4, 5, 6]) });
    await writer.addTensor("b", { dtype: "BF16", shape: [3, 2], data: bf16([-1, 0.5, 7, 8, -9, 10]) });
    await writer.addTensor("c", { dtype: "BF16", shape: [2, 2], data: bf16([1, 1, 1, 1]) });
    await writer.finalize();
    const reader = await ShardedSafetensorsReader.open(directory);
    const first = await EmbeddingMatrix.read(reader, "a");
    const firstBuffer = (first as unknown as { bf16: Uint16Array }).bf16.buffer;
    const second = await EmbeddingMatrix.read(reader, "b", first);
    expect((second as unknown as { bf16: Uint16Array }).bf16.buffer).toBe(firstBuffer);
    expect(rows(second)).toEqual([-1, 0.5, 7, 8, -9, 10]);
    // A different size is read into new memory.
    const third = await EmbeddingMatrix.read(reader, "c", second);
    expect((third as unknown as { bf16: Uint16Array }).bf16.buffer).not.toBe(firstBuffer);
    expect(rows(third)).toEqual([1, 1, 1, 1]);
    await reader.close();
  });
});

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { DTYPES, type Dtype, dtypeBytes, elementCount } from "./dtype.js";
import { SafetensorsReader } from "./safetensors-reader.js";
import { ShardedSafetensorsReader } from "./sharded-safetensors-reader.js";
import { ShardedSafetensorsWriter } from "./sharded-safetensors-writer.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

/** Every dtype, a few shapes (scalar, empty, rows), bytes from a seeded generator. */
function sampleTensors(): { name: string; dtype: Dtype; shape: number[]; data: Uint8Array }[] {
  const shapes = [[3, 5], [], [0, 4], [7], [2, 3, 4]];
  let state = 99;
  const next = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state >>> 16) & 0xff;
  };
  const tensors = [];
  for (const dtype of DTYPES) {
    for (const [index, shape] of shapes.entries()) {
      const data = new Uint8Array(elementCount(shape) * dtypeBytes(dtype));
      for (let byte = 0; byte < data.length; byte += 1) data[byte] = dtype === "BOOL" ? next() & 1 : next();
      tensors.push({ name: `layers.${index}.${dtype.toLowerCase()}`, dtype, shape, data });
    }
  }
  return tensors;
}

const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** Python side: every tensor of every *.safetensors in a directory as {name: [dtype, shape, sha256]}. */
const PYTHON_DIGEST = `
import hashlib, json, os, sys, torch
from safetensors import safe_open
NAMES = {torch.float64:"F64", torch.float32:"F32", torch.float16:"F16", torch.bfloat16:"BF16", torch.int64:"I64", torch.int32:"I32",
         torch.int16:"I16", torch.int8:"I8", torch.uint8:"U8", torch.bool:"BOOL", torch.float8_e4m3fn:"F8_E4M3", torch.float8_e5m2:"F8_E5M2"}
def digest(directory):
    out = {}
    for file in sorted(os.listdir(directory)):
        if file.endswith(".safetensors"):
            with safe_open(os.path.join(directory, file), "pt") as handle:
                meta = handle.metadata()
                for name in handle.keys():
                    tensor = handle.get_tensor(name)
                    raw = tensor.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
                    out[name] = [NAMES[tensor.dtype], list(tensor.shape), hashlib.sha256(raw).hexdigest(), file, meta]
    return out
`;

describe("parity with Python safetensors", () => {
  it("Python reads what we write, bit for bit, for every dtype, single file and sharded", async () => {
    const tensors = sampleTensors();
    // headerReserve: the header written in place into reserved space padded with spaces (20,001
    // rounds up to 20,008), per shard (4,096), or a reserve too small for it (64: copied behind it).
    const cases = [
      { name: "single file", maxShardSize: undefined, expectedFiles: ["model.safetensors"], headerReserve: undefined, headerBytes: undefined },
      { name: "sharded", maxShardSize: 300, expectedFiles: undefined, headerReserve: undefined, headerBytes: undefined },
      { name: "single file reserved", maxShardSize: undefined, expectedFiles: ["model.safetensors"], headerReserve: 20_001, headerBytes: 20_008 },
      { name: "sharded reserved", maxShardSize: 300, expectedFiles: undefined, headerReserve: 4096, headerBytes: 4096 },
      { name: "single file reserve too small", maxShardSize: undefined, expectedFiles: ["model.safetensors"], headerReserve: 64, headerBytes: undefined },
      // addTensorChunks: each tensor in uneven pieces (7 bytes, then the rest), from an async generator.
      { name: "sharded reserved chunks", maxShardSize: 300, expectedFiles: undefined, headerReserve: 4096, headerBytes: 4096, chunked: true },
    ];
    for (const testCase of cases) {
      const directory = join(work.path, testCase.name.replaceAll(" ", "-"));
      const writer = new ShardedSafetensorsWriter({ directory, maxShardSize: testCase.maxShardSize, headerReserve: testCase.headerReserve });
      for (const tensor of tensors) {
        if (!("chunked" in testCase)) await writer.addTensor(tensor.name, tensor);
        else
          await writer.addTensorChunks(
            tensor.name,
            tensor,
            (async function* () {
              yield tensor.data.subarray(0, 7);
              yield tensor.data.subarray(7);
            })(),
          );
      }
      const written = await writer.finalize();
      if (testCase.expectedFiles) expect(written.files).toEqual(testCase.expectedFiles);
      else expect(written.files.length).toBeGreaterThan(2);
      for (const file of written.files) {
        const headerBytes = Number(readFileSync(join(directory, file)).readBigUInt64LE(0));
        if (testCase.headerBytes !== undefined) expect(headerBytes, `${testCase.name} ${file}`).toBe(testCase.headerBytes);
        else if (testCase.headerReserve !== undefined) expect(headerBytes, `${testCase.name} ${file}`).toBeGreaterThan(testCase.headerReserve);
        expect(headerBytes % 8).toBe(0);
      }
      expect(readdirSync(directory).filter((file) => file.startsWith("."))).toEqual([]);
      const python = runPythonJson<Record<string, [string, number[], string, string, Record<string, string>]>>(
        `${PYTHON_DIGEST}\nprint(json.dumps(digest(sys.argv[1])))`,
        { args: [directory] },
      );
      for (const tensor of tensors) {
        expect(python[tensor.name]?.slice(0, 3), `${testCase.name} ${tensor.name}`).toEqual([tensor.dtype, tensor.shape, sha(tensor.data)]);
        expect(python[tensor.name][4]).toEqual({ format: "pt" });
      }
      if (written.indexPath) {
        const index = JSON.parse(readFileSync(written.indexPath, "utf8"));
        expect(index.metadata.total_size).toBe(tensors.reduce((sum, tensor) => sum + tensor.data.byteLength, 0));
        for (const tensor of tensors) expect(index.weight_map[tensor.name]).toBe(python[tensor.name][3]);
      }
      const reader = await ShardedSafetensorsReader.open(directory);
      for (const tensor of tensors) expect(sha((await reader.readTensor(tensor.name)).data), tensor.name).toBe(sha(tensor.data));
      await reader.close();
    }
  });

  it("addTensorChunks refuses a tensor whose pieces do not add up to its shape", async () => {
    const writer = new ShardedSafetensorsWriter({ directory: join(work.path, "chunk-sizes") });
    await expect(writer.addTensorChunks("short", { dtype: "F32", shape: [2, 3] }, [new Uint8Array(8), new Uint8Array(8)])).rejects.toThrow(
      /tensor "short": F32 \[2,3\] needs 24 bytes, got 16/,
    );
    await expect(writer.addTensorChunks("long", { dtype: "BF16", shape: [2] }, [new Uint8Array(3), new Uint8Array(3)])).rejects.toThrow(
      /tensor "long": BF16 \[2\] needs 4 bytes, got more \(6 bytes so far\)/,
    );
    await writer.abort();
    expect(readdirSync(join(work.path, "chunk-sizes"))).toEqual([]);
  });

  it("we read what Python writes (save_file), bit for bit, whole tensors and row blocks", async () => {
    const directory = join(work.path, "from-python");
    const python = runPythonJson<Record<string, [string, number[], string, string, Record<string, string>]>>(
      `${PYTHON_DIGEST}
from safetensors.torch import save_file
torch.manual_seed(0)
directory = sys.argv[1]
os.makedirs(directory, exist_ok=True)
tensors = {}
for dtype in [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.float8_e4m3fn, torch.float8_e5m2]:
    tensors[f"w.{str(dtype)[6:]}"] = torch.randn(6, 5).to(dtype)
for dtype in [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8]:
    tensors[f"i.{str(dtype)[6:]}"] = torch.randint(-100 if dtype != torch.uint8 else 0, 100, (4, 3)).to(dtype)
tensors["b.bool"] = torch.rand(9) > 0.5
tensors["scalar"] = torch.tensor(3.5)
save_file(tensors, os.path.join(directory, "model.safetensors"), metadata={"format": "pt", "note": "from python"})
print(json.dumps(digest(directory)))
`,
      { args: [directory] },
    );
    const reader = await SafetensorsReader.open(join(directory, "model.safetensors"));
    expect(reader.metadata).toEqual({ format: "pt", note: "from python" });
    expect(reader.tensorNames().sort()).toEqual(Object.keys(python).sort());
    for (const [name, [dtype, shape, digest]] of Object.entries(python)) {
      const tensor = await reader.readTensor(name);
      expect([tensor.dtype, tensor.shape, sha(tensor.data)], name).toEqual([dtype, shape, digest]);
    }
    const rows = await reader.readRows("w.float32", 2, 3);
    const whole = await reader.readTensor("w.float32");
    expect(rows.shape).toEqual([3, 5]);
    expect(Array.from(rows.data)).toEqual(Array.from(whole.data.subarray(2 * 20, 5 * 20)));
    await reader.close();
  });

  it("opens a directory, an index file or a single file, and names what is missing", async () => {
    const directory = join(work.path, "open-forms");
    const writer = new ShardedSafetensorsWriter({ directory, maxShardSize: 8, alwaysIndex: true });
    await writer.addTensor("a.weight", { dtype: "F32", shape: [2], data: new Uint8Array(8).fill(1) });
    await writer.addTensor("b.weight", { dtype: "F32", shape: [2], data: new Uint8Array(8).fill(2) });
    const written = await writer.finalize();
    expect(written.files).toEqual(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]);
    for (const target of [directory, join(directory, "model.safetensors.index.json"), join(directory, written.files[1])]) {
      const reader = await ShardedSafetensorsReader.open(target);
      expect((await reader.readTensor("b.weight")).data[0]).toBe(2);
      await expect(reader.readTensor("b.weigth")).rejects.toThrow(/no tensor named "b.weigth".*closest: b.weight/);
      await reader.close();
    }
    writeFileSync(join(work.path, "empty.txt"), "");
    await expect(ShardedSafetensorsReader.open(work.path)).rejects.toThrow(/neither model.safetensors.index.json nor model.safetensors/);
  });
});

// graft's dequantization equals gguf-py's `gguf.quants.dequantize` bit for bit in float32, on
// blocks gguf-py quantized from random values (the types it can quantize) and on random bytes with
// finite f16 scales (every type, the K-quants included: gguf-py only dequantizes those).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runPython, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dequantize } from "./dequantize.js";
import { DEQUANTIZABLE_TYPES } from "./ggml-type.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

const MAKE = `
import sys, numpy as np
from gguf import GGMLQuantizationType as T, GGML_QUANT_SIZES
from gguf.quants import quantize, dequantize
out = sys.argv[1]
rng = np.random.default_rng(7)
# byte offsets of the f16 fields of each block, kept finite in the random-bytes case
halves = {"Q8_0": [0], "Q4_0": [0], "Q4_1": [0, 2], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208]}
for name in ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"]:
    qtype = T[name]
    block, size = GGML_QUANT_SIZES[qtype]
    values = (rng.standard_normal(256 * 64) * rng.choice([1e-3, 1.0, 30.0], 256 * 64)).astype(np.float32)
    values[:256] = 0.0
    cases = []
    try:
        cases.append(("quantized", quantize(values.reshape(64, 256), qtype).reshape(-1).view(np.uint8)))
    except NotImplementedError:
        pass
    raw = rng.integers(0, 256, size=(256 * 64 // block) * size, dtype=np.uint8)
    if name in ("F32", "F16", "BF16"):
        raw = values.astype({"F32": np.float32, "F16": np.float16}.get(name, np.float32)).view(np.uint8) if name != "BF16" else quantize(values, qtype).reshape(-1).view(np.uint8)
    else:
        blocks = raw.reshape(-1, size)
        for at in halves[name]:
            scale = (rng.standard_normal(blocks.shape[0]) * 0.05).astype(np.float16)
            blocks[:, at:at + 2] = scale.view(np.uint8).reshape(-1, 2)
    cases.append(("random", raw))
    for label, data in cases:
        expected = dequantize(data, qtype).astype(np.float32).reshape(-1)
        np.asarray(data, dtype=np.uint8).tofile(f"{out}/{name}-{label}.bin")
        expected.tofile(f"{out}/{name}-{label}.f32")
print("ok")
`;

beforeAll(() => {
  runPython(MAKE, { args: [work.path] });
});

function load(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(work.path, name)));
}

describe("dequantize", () => {
  for (const type of DEQUANTIZABLE_TYPES) {
    // gguf-py has no quantizer for the K-quants: those are checked on random blocks only.
    const labels = ["Q4_K", "Q5_K", "Q6_K"].includes(type) ? ["random"] : ["quantized", "random"];
    for (const label of labels) {
      it(`${type} (${label} blocks) equals gguf-py bit for bit`, () => {
        const data = load(`${type}-${label}.bin`);
        const expected = new Uint32Array(load(`${type}-${label}.f32`).buffer);
        const ours = dequantize(type, data, expected.length);
        const bits = new Uint32Array(ours.buffer);
        let differing = 0;
        for (let i = 0; i < bits.length; i += 1) if (bits[i] !== expected[i]) differing += 1;
        expect(differing).toBe(0);
        expect(bits.length).toBe(256 * 64);
      });
    }
  }

  it("refuses a count that is not whole blocks, or bytes too short", () => {
    expect(() => dequantize("Q4_0", new Uint8Array(18), 16)).toThrow(RangeError);
    expect(() => dequantize("Q4_0", new Uint8Array(17), 32)).toThrow(RangeError);
  });
});

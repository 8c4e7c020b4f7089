// Q8_0 quantization equals gguf-py's `gguf.quants.quantize` byte for byte (the reference llama.cpp's
// converter uses): random blocks of several scales, an all-zero block, exact halves (ties round away
// from zero), and a block of one large value among small ones; the F16 / BF16 encodings equal numpy's.
import { float32ArrayToBf16, float32ArrayToF16 } from "@graft/safetensors";
import { runPythonJson } from "@graft/testing";
import { seededNormal } from "@graft/utils";
import { describe, expect, it } from "vitest";
import { encodeTensorData } from "./encode-tensor-data.js";
import { quantizeQ8_0 } from "./quantize-q8-0.js";

const sample = seededNormal(7);
const CASES: { name: string; values: number[] }[] = [
  { name: "random, unit scale", values: Array.from({ length: 32 * 64 }, () => sample()) },
  { name: "random, tiny scale", values: Array.from({ length: 32 * 16 }, () => sample() * 1e-4) },
  { name: "random, large scale", values: Array.from({ length: 32 * 16 }, () => sample() * 300) },
  { name: "all zero", values: new Array(32).fill(0) },
  // d = 127 / 127 = 1: x * 1 lands on exact halves
  { name: "exact halves", values: [127, ...Array.from({ length: 31 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 0.5))] },
  { name: "one outlier", values: [1000, ...Array.from({ length: 31 }, () => sample() * 0.01)] },
];

describe("quantizeQ8_0", () => {
  it("equals gguf-py's Q8_0 quantization byte for byte", () => {
    const reference = runPythonJson<string[]>(
      `
import json, sys, numpy as np
from gguf import quants, GGMLQuantizationType
cases = json.loads(sys.stdin.read())
print(json.dumps([quants.quantize(np.array(v, dtype=np.float32).reshape(-1, 32), GGMLQuantizationType.Q8_0).tobytes().hex() for v in cases]))
`,
      { input: JSON.stringify(CASES.map((testCase) => Array.from(Float32Array.from(testCase.values)))) },
    );
    const ours = CASES.map((testCase) => Buffer.from(quantizeQ8_0(Float32Array.from(testCase.values))).toString("hex"));
    expect(ours).toEqual(reference);
  });

  it("refuses values that are not whole blocks", () => {
    expect(() => quantizeQ8_0(new Float32Array(33))).toThrow(RangeError);
  });

  it("encodes F32, F16, BF16 as the safetensors conversions do", () => {
    const values = Float32Array.from(CASES[0]?.values ?? []);
    expect(encodeTensorData("F16", values)).toEqual(float32ArrayToF16(values));
    expect(encodeTensorData("BF16", values)).toEqual(float32ArrayToBf16(values));
    expect(new Float32Array(encodeTensorData("F32", values).slice().buffer)).toEqual(values);
  });
});

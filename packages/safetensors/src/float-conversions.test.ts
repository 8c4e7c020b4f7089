import { runPythonJson } from "@graft/testing";
import { describe, expect, it } from "vitest";
import { bf16BitsToFloat32, f16BitsToFloat32, float32ArrayToBf16, float32ArrayToF16, float32ToBf16Bits, float32ToF16Bits } from "./float-conversions.js";
import { narrowBf16Simd } from "./simd-bf16.js";
import { fromFloat32, toFloat32 } from "./to-float32.js";

function seededFloats(count: number, seed: number): Float32Array {
  const bits = new Uint32Array(count);
  let state = seed >>> 0;
  for (let index = 0; index < count; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bits[index] = state >>> 0;
  }
  return new Float32Array(bits.buffer);
}

const EDGE_VALUES = [
  0,
  -0,
  1,
  -1,
  65504,
  65505,
  65519,
  65520,
  -65520,
  1e-8,
  5.96e-8,
  2.98e-8,
  2.9802322387695312e-8,
  6.1e-5,
  6.097555e-5,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  1e-45,
  -1e-45,
  1.1754942e-38,
  Infinity,
  -Infinity,
  NaN,
  1.00390625,
  1.01171875,
  0.1,
  0.2,
  0.3,
  3.14161,
  -2.71832,
];

describe("bf16 / f16 <-> f32", () => {
  it("round-trips all 65,536 bf16 and f16 bit patterns exactly (NaNs stay NaN)", () => {
    const cases = [
      { name: "bf16", widen: bf16BitsToFloat32, narrow: float32ToBf16Bits },
      { name: "f16", widen: f16BitsToFloat32, narrow: float32ToF16Bits },
    ];
    for (const testCase of cases) {
      let mismatches = 0;
      for (let bits = 0; bits < 65536; bits += 1) {
        const value = testCase.widen(bits);
        if (Number.isNaN(value)) {
          if (!Number.isNaN(testCase.widen(testCase.narrow(value)))) mismatches += 1;
        } else if (testCase.narrow(value) !== bits) mismatches += 1;
      }
      expect(mismatches, testCase.name).toBe(0);
    }
    expect(Object.is(bf16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(f16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToFloat32(0x7c00)).toBe(Infinity);
  });

  it("narrows f32 exactly like torch (.to(bfloat16) / .to(float16)) on random and edge values", () => {
    const values = new Float32Array([...EDGE_VALUES, ...seededFloats(20_000, 12345), ...seededFloats(20_000, 777).map((value) => value / 2 ** 100)]);
    const reference = runPythonJson<{ bf16: number[]; f16: number[] }>(
      `
import json, sys, numpy as np, torch
values = torch.from_numpy(np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).copy())
print(json.dumps({"bf16": values.to(torch.bfloat16).view(torch.int16).numpy().astype(np.uint16).tolist(),
                  "f16": values.to(torch.float16).view(torch.int16).numpy().astype(np.uint16).tolist()}))
`,
      { input: Buffer.from(values.buffer) },
    );
    const ours = {
      bf16: Array.from(new Uint16Array(float32ArrayToBf16(values).buffer)),
      f16: Array.from(new Uint16Array(float32ArrayToF16(values).buffer)),
    };
    for (const kind of ["bf16", "f16"] as const) {
      // bf16 NaN bits differ inside torch itself (scalar 0x7FC0, vectorised 0xFFFF): compare NaN-ness there.
      const isNan = (bits: number) => (kind === "bf16" ? Number.isNaN(bf16BitsToFloat32(bits)) : Number.isNaN(f16BitsToFloat32(bits)));
      const same = (index: number) =>
        kind === "bf16" && Number.isNaN(values[index])
          ? isNan(ours[kind][index]) && isNan(reference[kind][index])
          : ours[kind][index] === reference[kind][index];
      const differing = ours[kind].map((_, index) => (same(index) ? -1 : index)).filter((index) => index >= 0);
      expect(
        differing.slice(0, 5).map((index) => ({ value: values[index], ours: ours[kind][index], torch: reference[kind][index] })),
        kind,
      ).toEqual([]);
    }
  });

  it("the WebAssembly SIMD narrowing gives the scalar conversion's bits: every bf16 pattern, rounding ties, NaN, odd lengths", () => {
    const lows = [0x0000, 0x0001, 0x7fff, 0x8000, 0x8001, 0xffff];
    const patterns = new Uint32Array(65536 * lows.length + 5);
    for (let high = 0; high < 65536; high += 1)
      for (let index = 0; index < lows.length; index += 1) patterns[high * lows.length + index] = ((high << 16) | lows[index]!) >>> 0;
    patterns.set([0x3f800000, 0x7f7fffff, 0xff7fffff, 0x00008000, 0x80018000], 65536 * lows.length);
    const values = new Float32Array(patterns.buffer);
    // The kernel really runs (Node has WebAssembly SIMD) and leaves only the last length % 8 values.
    expect(narrowBf16Simd(values, new Uint16Array(values.length))).toBe(values.length - (values.length % 8));
    const narrowed = new Uint16Array(float32ArrayToBf16(values).buffer);
    const differing: number[] = [];
    for (let index = 0; index < values.length; index += 1) if (narrowed[index] !== float32ToBf16Bits(values[index]!)) differing.push(index);
    expect(differing.slice(0, 5).map((index) => patterns[index]!.toString(16))).toEqual([]);
  });

  it("narrows into a given target (a view inside a larger buffer) exactly as into a new array", () => {
    const values = new Float32Array([...EDGE_VALUES, ...seededFloats(1000, 99)]);
    for (const narrow of [float32ArrayToBf16, float32ArrayToF16]) {
      const fresh = new Uint16Array(narrow(values).buffer);
      const buffer = new Uint16Array(values.length + 6).fill(0xabcd);
      const bytes = narrow(values, buffer.subarray(3, 3 + values.length));
      expect(bytes.byteOffset, narrow.name).toBe(6);
      expect(bytes.byteLength, narrow.name).toBe(values.length * 2);
      expect(Array.from(buffer.subarray(3, 3 + values.length)), narrow.name).toEqual(Array.from(fresh));
      expect([buffer[0], buffer[2], buffer[values.length + 3], buffer[values.length + 5]], narrow.name).toEqual([0xabcd, 0xabcd, 0xabcd, 0xabcd]);
      expect(() => narrow(values, new Uint16Array(values.length - 1)), narrow.name).toThrow(RangeError);
    }
  });

  it("converts tensors through toFloat32/fromFloat32, also from unaligned bytes", () => {
    const values = new Float32Array([1.5, -2.25, 3.0e-5, 65504]);
    for (const dtype of ["F32", "F16", "BF16"] as const) {
      const tensor = fromFloat32(values, dtype, [2, 2]);
      const padded = new Uint8Array(tensor.data.byteLength + 1);
      padded.set(tensor.data, 1);
      const unaligned = { ...tensor, data: padded.subarray(1) };
      expect(Array.from(toFloat32(unaligned)), dtype).toEqual(Array.from(toFloat32(tensor)));
    }
    expect(() => fromFloat32(values, "BF16", [3])).toThrow(/holds 3 values, got 4/);
    expect(() => toFloat32({ dtype: "I32", shape: [1], data: new Uint8Array(4) })).toThrow(/not a floating dtype/);
  });
});

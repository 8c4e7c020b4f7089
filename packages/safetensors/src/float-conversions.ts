/**
 * bf16 / f16 <-> f32 bit conversions. Narrowing rounds to nearest, ties to even; NaN, ±Inf,
 * -0 and subnormals are exact. The host is assumed little-endian (x86-64, Arm64), like the
 * safetensors data itself. Long arrays narrow to bf16 through a WebAssembly SIMD kernel (`simd-bf16.ts`;
 * widening is a shift, as fast in plain JavaScript as through the kernel's staging copies).
 */
import { narrowBf16Simd, SIMD_MIN_VALUES } from "./simd-bf16.js";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Any NaN narrows to this quiet bf16 NaN (torch's scalar path; its vectorised CPU path gives 0xFFFF: NaN either way). */
const BF16_QUIET_NAN = 0x7fc0;

export function bf16BitsToFloat32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

export function float32ToBf16Bits(value: number): number {
  f32[0] = value;
  return float32BitsToBf16Bits(u32[0]);
}

function float32BitsToBf16Bits(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0) return BF16_QUIET_NAN;
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

/** NaN narrowed to f16 keeps its sign and top payload bits and is made quiet, as torch does. */
const F16_QUIET_BIT = 0x200;

let f16Table: Float32Array | undefined;

/** All 65,536 half-precision values, built once. */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits += 1) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) table[bits] = mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else table[bits] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  // NaN payloads: keep sign and payload like a hardware conversion would.
  const view = new Uint32Array(table.buffer);
  for (let bits = 0; bits < 65536; bits += 1) {
    if (((bits >>> 10) & 0x1f) === 31 && (bits & 0x3ff) !== 0) view[bits] = ((bits & 0x8000) << 16) | 0x7f800000 | ((bits & 0x3ff) << 13);
  }
  f16Table = table;
  return table;
}

export function f16BitsToFloat32(bits: number): number {
  return halfTable()[bits & 0xffff];
}

export function float32ToF16Bits(value: number): number {
  f32[0] = value;
  return float32BitsToF16Bits(u32[0]);
}

function float32BitsToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? F16_QUIET_BIT | (mantissa >>> 13) : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 31) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let half = full >>> shift;
    const remainder = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

function aligned(data: Uint8Array, alignment: number): Uint8Array {
  return data.byteOffset % alignment === 0 ? data : new Uint8Array(data);
}

/** Widens raw bf16 bytes to f32 values (into `target` when given: no allocation). */
export function bf16ToFloat32Array(data: Uint8Array, target?: Float32Array): Float32Array {
  const source = aligned(data, 2);
  const halves = new Uint16Array(source.buffer, source.byteOffset, source.byteLength / 2);
  const out = target ?? new Float32Array(halves.length);
  const words = new Uint32Array(out.buffer, out.byteOffset, halves.length);
  const length = halves.length;
  // Two halves per 32-bit load: about twice as fast as one element at a time in V8.
  if (source.byteOffset % 4 === 0) {
    const pairs = new Uint32Array(source.buffer, source.byteOffset, length >>> 1);
    for (let pair = 0, index = 0; pair < pairs.length; pair += 1, index += 2) {
      const value = pairs[pair];
      words[index] = value << 16;
      words[index + 1] = value & 0xffff0000;
    }
    if (length & 1) words[length - 1] = halves[length - 1] << 16;
    return out;
  }
  for (let index = 0; index < length; index += 1) words[index] = halves[index] << 16;
  return out;
}

/** Widens raw f16 bytes to f32 values (into `target` when given: no allocation). */
export function f16ToFloat32Array(data: Uint8Array, target?: Float32Array): Float32Array {
  const source = aligned(data, 2);
  const halves = new Uint16Array(source.buffer, source.byteOffset, source.byteLength / 2);
  const table = halfTable();
  const out = target ?? new Float32Array(halves.length);
  const length = halves.length;
  for (let index = 0; index < length; index += 1) out[index] = table[halves[index]];
  return out;
}

/** The 16-bit output of a narrowing: `target` when given (it must hold `length` values), else a new array. */
function narrowTarget(length: number, target: Uint16Array | undefined, what: string): Uint16Array {
  if (!target) return new Uint16Array(length);
  if (target.length < length) throw new RangeError(`${what}: target holds ${target.length} values, ${length} needed`);
  return target;
}

/** Narrows f32 values to raw bf16 bytes (round to nearest even), into `target` when given (no allocation). */
export function float32ArrayToBf16(values: Float32Array, target?: Uint16Array): Uint8Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = narrowTarget(values.length, target, "float32ArrayToBf16");
  // WebAssembly SIMD for all but the last length % 8 values (none without SIMD or for short inputs).
  const done = values.length >= SIMD_MIN_VALUES ? narrowBf16Simd(values, out) : 0;
  for (let index = done; index < values.length; index += 1) out[index] = float32BitsToBf16Bits(bits[index]);
  return new Uint8Array(out.buffer, out.byteOffset, values.length * 2);
}

/** Narrows f32 values to raw f16 bytes (round to nearest even), into `target` when given (no allocation). */
export function float32ArrayToF16(values: Float32Array, target?: Uint16Array): Uint8Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = narrowTarget(values.length, target, "float32ArrayToF16");
  for (let index = 0; index < values.length; index += 1) out[index] = float32BitsToF16Bits(bits[index]);
  return new Uint8Array(out.buffer, out.byteOffset, values.length * 2);
}

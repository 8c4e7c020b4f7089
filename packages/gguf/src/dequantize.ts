import { bf16ToFloat32Array, f16BitsToFloat32, f16ToFloat32Array } from "@graft/safetensors";
import { type DequantizableType, ggmlType } from "./ggml-type.js";

// Every product and sum is rounded to float32 (Math.fround) where the reference (numpy in float32)
// rounds, so the results equal gguf-py's `dequantize` bit for bit: a double-precision result of one
// +, - or * of two float32 values, rounded once to float32, is the correctly rounded float32 result.
const fround = Math.fround;

function half(bytes: Uint8Array, offset: number): number {
  return f16BitsToFloat32(bytes[offset] | (bytes[offset + 1] << 8));
}

function int8(byte: number): number {
  return byte > 127 ? byte - 256 : byte;
}

/** Q4_0: f16 scale d, 16 bytes of 4-bit values (low nibbles are elements 0..15, high 16..31); x = d (q - 8). */
function q4_0(bytes: Uint8Array, blocks: number, out: Float32Array): void {
  for (let block = 0; block < blocks; block += 1) {
    const base = block * 18;
    const d = half(bytes, base);
    const o = block * 32;
    for (let i = 0; i < 16; i += 1) {
      const q = bytes[base + 2 + i];
      out[o + i] = fround(d * ((q & 0x0f) - 8));
      out[o + 16 + i] = fround(d * ((q >> 4) - 8));
    }
  }
}

/** Q4_1: f16 scale d and minimum m, 4-bit values as Q4_0; x = d q + m. */
function q4_1(bytes: Uint8Array, blocks: number, out: Float32Array): void {
  for (let block = 0; block < blocks; block += 1) {
    const base = block * 20;
    const d = half(bytes, base);
    const m = half(bytes, base + 2);
    const o = block * 32;
    for (let i = 0; i < 16; i += 1) {
      const q = bytes[base + 4 + i];
      out[o + i] = fround(fround(d * (q & 0x0f)) + m);
      out[o + 16 + i] = fround(fround(d * (q >> 4)) + m);
    }
  }
}

/** Q8_0: f16 scale d, 32 signed bytes; x = d q. */
function q8_0(bytes: Uint8Array, blocks: number, out: Float32Array): void {
  for (let block = 0; block < blocks; block += 1) {
    const base = block * 34;
    const d = half(bytes, base);
    const o = block * 32;
    for (let i = 0; i < 32; i += 1) out[o + i] = fround(int8(bytes[base + 2 + i]) * d);
  }
}

/**
 * The 8 six-bit scales and 8 six-bit minimums of a K-quant super-block, packed in 12 bytes: bytes
 * 0..3 hold scales 0..3 (low 6 bits) and the top 2 bits of scales 4..7, bytes 4..7 the same for
 * the minimums, bytes 8..11 the low 4 bits of scales 4..7 (low nibble) and minimums 4..7 (high).
 */
function kScales(bytes: Uint8Array, at: number, scales: Uint8Array, mins: Uint8Array): void {
  for (let j = 0; j < 4; j += 1) {
    const s = bytes[at + j];
    const m = bytes[at + 4 + j];
    const both = bytes[at + 8 + j];
    scales[j] = s & 0x3f;
    mins[j] = m & 0x3f;
    scales[4 + j] = (both & 0x0f) | ((s >> 6) << 4);
    mins[4 + j] = (both >> 4) | ((m >> 6) << 4);
  }
}

/**
 * Q4_K super-block of 256: f16 d and dmin, 12 bytes of scales/minimums, 128 bytes of 4-bit values
 * in 4 groups of 32 bytes (low nibbles: sub-block 2g, high: 2g + 1); x = (d sc) q - (dmin m).
 */
function q4_k(bytes: Uint8Array, blocks: number, out: Float32Array): void {
  const scales = new Uint8Array(8);
  const mins = new Uint8Array(8);
  for (let block = 0; block < blocks; block += 1) {
    const base = block * 144;
    const d = half(bytes, base);
    const dmin = half(bytes, base + 2);
    kScales(bytes, base + 4, scales, mins);
    const qs = base + 16;
    const o = block * 256;
    for (let sub = 0; sub < 8; sub += 1) {
      const scale = fround(d * scales[sub]);
      const offset = fround(dmin * mins[sub]);
      const group = qs + (sub >> 1) * 32;
      const shift = (sub & 1) * 4;
      for (let i = 0; i < 32; i += 1) out[o + sub * 32 + i] = fround(fround(scale * ((bytes[group + i] >> shift) & 0x0f)) - offset);
    }
  }
}

/** Q5_K: Q4_K's layout with 32 bytes of fifth bits (bit `sub` of byte i) between the scales and the nibbles. */
function q5_k(bytes: Uint8Array, blocks: number, out: Float32Array): void {
  const scales = new Uint8Array(8);
  const mins = new Uint8Array(8);
  for (let block = 0; block < blocks; block += 1) {
    const base = block * 176;
    const d = half(bytes, base);
    const dmin = half(bytes, base + 2);
    kScales(bytes, base + 4, scales, mins);
    const qh = base + 16;
    const qs = base + 48;
    const o = block * 256;
    for (let sub = 0; sub < 8; sub += 1) {
      const scale = fround(d * scales[sub]);
      const offset = fround(dmin * mins[sub]);
      const group = qs + (sub >> 1) * 32;
      const shift = (sub & 1) * 4;
      for (let i = 0; i < 32; i += 1) {
        const q = ((bytes[group + i] >> shift) & 0x0f) | (((bytes[qh + i] >> sub) & 1) << 4);
        out[o + sub * 32 + i] = fround(fround(scale * q) - offset);
      }
    }
  }
}

/**
 * Q6_K super-block of 256: 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 signed 8-bit
 * scales (one per 16 elements), f16 d; x = (d scale) (q - 32). Each half of 128 elements takes
 * 64 low-bit bytes (nibble r >> 6) and 32 high-bit bytes (bit pair r >> 5).
 */
function q6_k(bytes: Uint8Array, blocks: number, out: Float32Array): void {
  for (let block = 0; block < blocks; block += 1) {
    const base = block * 210;
    const d = half(bytes, base + 208);
    const o = block * 256;
    for (let e = 0; e < 256; e += 1) {
      const h = e >> 7;
      const r = e & 127;
      const low = (bytes[base + h * 64 + (r & 63)] >> (4 * (r >> 6))) & 0x0f;
      const high = (bytes[base + 128 + h * 32 + (r & 31)] >> (2 * (r >> 5))) & 0x03;
      const scale = fround(d * int8(bytes[base + 192 + (e >> 4)]));
      out[o + e] = fround(scale * ((low | (high << 4)) - 32));
    }
  }
}

/**
 * Dequantizes `count` elements of `type` from `bytes` (whole blocks, starting at a block) to
 * float32, into `target` when given.
 */
export function dequantize(type: DequantizableType, bytes: Uint8Array, count: number, target?: Float32Array): Float32Array {
  const layout = ggmlType(DEQUANTIZABLE_IDS[type]);
  if (!layout || count % layout.blockSize !== 0) throw new RangeError(`dequantize: ${count} elements is not a whole number of ${type} blocks`);
  const blocks = count / layout.blockSize;
  if (bytes.byteLength < blocks * layout.blockBytes)
    throw new RangeError(`dequantize: ${count} ${type} elements need ${blocks * layout.blockBytes} bytes, got ${bytes.byteLength}`);
  const out = target ?? new Float32Array(count);
  switch (type) {
    case "F32":
      out.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 4)));
      break;
    case "F16":
      f16ToFloat32Array(bytes.subarray(0, count * 2), out);
      break;
    case "BF16":
      bf16ToFloat32Array(bytes.subarray(0, count * 2), out);
      break;
    case "Q4_0":
      q4_0(bytes, blocks, out);
      break;
    case "Q4_1":
      q4_1(bytes, blocks, out);
      break;
    case "Q8_0":
      q8_0(bytes, blocks, out);
      break;
    case "Q4_K":
      q4_k(bytes, blocks, out);
      break;
    case "Q5_K":
      q5_k(bytes, blocks, out);
      break;
    case "Q6_K":
      q6_k(bytes, blocks, out);
      break;
  }
  return out;
}

const DEQUANTIZABLE_IDS: Record<DequantizableType, number> = { F32: 0, F16: 1, BF16: 30, Q4_0: 2, Q4_1: 3, Q8_0: 8, Q4_K: 12, Q5_K: 13, Q6_K: 14 };

import { float32ToF16Bits } from "@graft/safetensors";

/** Elements per Q8_0 block, and the block's bytes: an f16 scale and 32 signed bytes. */
export const Q8_0_BLOCK = 32;
export const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

const fround = Math.fround;

/** Rounds half away from zero, as C's roundf (Math.round rounds -2.5 to -2). */
function roundAway(value: number): number {
  return value < 0 ? -Math.round(-value) : Math.round(value);
}

/**
 * Quantizes float32 values (a whole number of blocks of 32) to Q8_0 as llama.cpp's reference
 * quantizer and gguf-py do: per block d = max|x| / 127 (float32), q = roundf(x / d) computed as
 * x * (1 / d) in float32, d stored as f16. The products are rounded to float32 where C rounds,
 * so the bytes equal gguf-py's `quants.quantize` exactly.
 */
export function quantizeQ8_0(values: Float32Array, target?: Uint8Array): Uint8Array {
  if (values.length % Q8_0_BLOCK !== 0) throw new RangeError(`quantizeQ8_0: ${values.length} values is not a whole number of blocks of ${Q8_0_BLOCK}`);
  const blocks = values.length / Q8_0_BLOCK;
  const out = target ?? new Uint8Array(blocks * Q8_0_BLOCK_BYTES);
  for (let block = 0; block < blocks; block += 1) {
    const from = block * Q8_0_BLOCK;
    let amax = 0;
    for (let i = 0; i < Q8_0_BLOCK; i += 1) amax = Math.max(amax, Math.abs(values[from + i] as number));
    const d = fround(amax / 127);
    const inverse = d === 0 ? 0 : fround(1 / d);
    const base = block * Q8_0_BLOCK_BYTES;
    const bits = float32ToF16Bits(d);
    out[base] = bits & 0xff;
    out[base + 1] = bits >> 8;
    for (let i = 0; i < Q8_0_BLOCK; i += 1) {
      const q = roundAway(fround((values[from + i] as number) * inverse));
      out[base + 2 + i] = q & 0xff;
    }
  }
  return out;
}

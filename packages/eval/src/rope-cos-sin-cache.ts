import type { RotaryFrequencies } from "./rope-inverse-frequencies.js";

export interface RopeCosSinCache {
  /** [positions, headDim / 2] row-major. */
  cos: Float32Array;
  sin: Float32Array;
  positions: number;
  columns: number;
}

/**
 * RoPE cosine/sine tables for positions 0..positions-1, as ONNX Runtime's `RotaryEmbedding`
 * indexes them by position id. Rounded like transformers' float32 path: angle =
 * fp32(inv_freq * position), then cos/sin rounded to fp32 (and times yarn's attention scaling,
 * rounded again). Scaling variants are already in the inverse frequencies, so one table covers them all.
 */
export function ropeCosSinCache(rope: RotaryFrequencies, positions: number): RopeCosSinCache {
  const inverse = rope.inverse;
  const scaling = Math.fround(rope.attentionScaling);
  const columns = inverse.length;
  const cos = new Float32Array(positions * columns);
  const sin = new Float32Array(positions * columns);
  for (let position = 0; position < positions; position += 1) {
    const base = position * columns;
    for (let column = 0; column < columns; column += 1) {
      const angle = Math.fround(inverse[column]! * position);
      cos[base + column] = scaling === 1 ? Math.cos(angle) : Math.fround(Math.cos(angle)) * scaling;
      sin[base + column] = scaling === 1 ? Math.sin(angle) : Math.fround(Math.sin(angle)) * scaling;
    }
  }
  return { cos, sin, positions, columns };
}

import type { ModelConfig } from "@graft/hf";
import { ropeInverseFrequencies } from "./rope-inverse-frequencies.js";

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
 * fp32(inv_freq * position), then cos/sin rounded to fp32. Scaling variants (linear, llama3) are
 * already in the inverse frequencies, so one table covers them all.
 */
export function ropeCosSinCache(config: ModelConfig, headDim: number, positions: number): RopeCosSinCache {
  const inverse = ropeInverseFrequencies(config, headDim);
  const columns = inverse.length;
  const cos = new Float32Array(positions * columns);
  const sin = new Float32Array(positions * columns);
  for (let position = 0; position < positions; position += 1) {
    const base = position * columns;
    for (let column = 0; column < columns; column += 1) {
      const angle = Math.fround(inverse[column]! * position);
      cos[base + column] = Math.cos(angle);
      sin[base + column] = Math.sin(angle);
    }
  }
  return { cos, sin, positions, columns };
}

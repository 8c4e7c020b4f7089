import type { ModelConfig } from "@graft/hf";

/** RoPE inverse frequencies, with transformers' default / linear / llama3 scaling. */
export function ropeInverseFrequencies(config: ModelConfig, headDim: number): Float32Array {
  const half = headDim / 2;
  const base = config.rope_theta ?? 10000;
  const inverse = new Float64Array(half);
  for (let index = 0; index < half; index += 1) inverse[index] = 1 / base ** ((2 * index) / headDim);
  const scaling = config.rope_scaling as Record<string, unknown> | null | undefined;
  const type = (scaling?.rope_type ?? scaling?.type ?? "default") as string;
  if (type === "linear") {
    const factor = Number(scaling!.factor);
    for (let index = 0; index < half; index += 1) inverse[index] = inverse[index]! / factor;
  } else if (type === "llama3") {
    const factor = Number(scaling!.factor);
    const low = Number(scaling!.low_freq_factor);
    const high = Number(scaling!.high_freq_factor);
    const original = Number(scaling!.original_max_position_embeddings);
    const lowWavelength = original / low;
    const highWavelength = original / high;
    for (let index = 0; index < half; index += 1) {
      const frequency = inverse[index]!;
      const wavelength = (2 * Math.PI) / frequency;
      if (wavelength > lowWavelength) inverse[index] = frequency / factor;
      else if (wavelength >= highWavelength) {
        const smooth = (original / wavelength - low) / (high - low);
        inverse[index] = (1 - smooth) * (frequency / factor) + smooth * frequency;
      }
    }
  } else if (type !== "default") {
    throw new Error(`rope_scaling type "${type}" is not supported by the ONNX exporter (default, linear, llama3 are)`);
  }
  return Float32Array.from(inverse);
}

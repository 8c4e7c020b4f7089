import { ConfigError, type RopeParameters } from "@graft/hf";

/** RoPE as the graph applies it: angle = position * inverse frequency; cos and sin times `attentionScaling`. */
export interface RotaryFrequencies {
  /** [headDim / 2] float32. */
  inverse: Float32Array;
  /** yarn's attention factor; 1 for the other types. */
  attentionScaling: number;
}

/** RoPE types the exporter reproduces exactly. */
export const EXPORTABLE_ROPE_TYPES = ["default", "linear", "llama3", "yarn"] as const;

/** What the refused types would need, for the error message. */
const REFUSED_ROPE_TYPES: Record<string, string> = {
  dynamic:
    "transformers recomputes dynamic-NTK frequencies from the longest sequence the model has run so far (state kept between calls), which a fixed ONNX graph cannot reproduce exactly",
  longrope: "transformers switches longrope between its short and long factors by sequence length at run time, which the exported graph does not implement",
};

function required(rope: RopeParameters, value: number | undefined, key: string, path: string): number {
  if (value === undefined) throw new ConfigError({ path, field: `${rope.field}.${key}`, message: `RoPE type "${rope.type}" needs ${key}, which is missing` });
  return value;
}

/** transformers' yarn `get_mscale`. */
function yarnScale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/** The dimension at which yarn's ramp starts or ends: `numRotations` full turns over the pretraining length. */
function yarnCorrectionDimension(numRotations: number, dim: number, base: number, originalLength: number): number {
  return (dim * Math.log(originalLength / (numRotations * 2 * Math.PI))) / (2 * Math.log(base));
}

/**
 * RoPE inverse frequencies and cos/sin scaling with transformers' `default`, `linear`, `llama3` and
 * `yarn` formulas (`modeling_rope_utils.py`); any other type, or a partial rotary factor (which
 * transformers' Llama / Mistral / Qwen2 do not apply), is a ConfigError naming the field.
 * `maxPositionEmbeddings` is yarn's fallback for a missing factor, as in transformers;
 * `partialRotaryField` names the key the partial rotary factor was read from.
 */
export function ropeInverseFrequencies(
  rope: RopeParameters,
  headDim: number,
  maxPositionEmbeddings: number,
  path: string,
  partialRotaryField = `${rope.field}.partial_rotary_factor`,
): RotaryFrequencies {
  if (!(EXPORTABLE_ROPE_TYPES as readonly string[]).includes(rope.type)) {
    const why = REFUSED_ROPE_TYPES[rope.type] ?? "the ONNX exporter does not implement it";
    throw new ConfigError({
      path,
      field: `${rope.field}.${rope.field === "rope_scaling" ? "type" : "rope_type"}`,
      message: `RoPE type ${JSON.stringify(rope.type)} is not supported: ${why}. The exporter runs ${EXPORTABLE_ROPE_TYPES.join(", ")} exactly; evaluate this model with the Python backend (graft eval --backend python) instead`,
    });
  }
  if (rope.partialRotaryFactor !== undefined && rope.partialRotaryFactor !== 1) {
    throw new ConfigError({
      path,
      field: partialRotaryField,
      message: `${rope.partialRotaryFactor} is not supported: transformers' Llama, Mistral and Qwen2 rotate the whole head (the default RoPE ignores the factor, the scaled types fail on it), so graft cannot tell which math the checkpoint expects; remove the key if the model was trained with full rotation`,
    });
  }
  const half = headDim / 2;
  const base = rope.theta;
  const exponent = (index: number) => (2 * index) / headDim;
  const inverse = new Float64Array(half);
  for (let index = 0; index < half; index += 1) inverse[index] = 1 / base ** exponent(index);
  let attentionScaling = 1;
  if (rope.type === "linear") {
    const factor = required(rope, rope.factor, "factor", path);
    for (let index = 0; index < half; index += 1) inverse[index] = inverse[index]! / factor;
  } else if (rope.type === "llama3") {
    const factor = required(rope, rope.factor, "factor", path);
    const low = required(rope, rope.lowFrequencyFactor, "low_freq_factor", path);
    const high = required(rope, rope.highFrequencyFactor, "high_freq_factor", path);
    const original = required(rope, rope.originalMaxPositionEmbeddings, "original_max_position_embeddings", path);
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
  } else if (rope.type === "yarn") {
    const original = required(rope, rope.originalMaxPositionEmbeddings, "original_max_position_embeddings", path);
    const factor = rope.factor ?? maxPositionEmbeddings / original;
    if (rope.attentionFactor !== undefined) attentionScaling = rope.attentionFactor;
    else if (rope.mscale && rope.mscaleAllDim) attentionScaling = yarnScale(factor, rope.mscale) / yarnScale(factor, rope.mscaleAllDim);
    else attentionScaling = yarnScale(factor);
    // transformers reads `beta_fast or 32`, `beta_slow or 1`: 0 means the default too.
    const betaFast = rope.betaFast || 32;
    const betaSlow = rope.betaSlow || 1;
    let low = yarnCorrectionDimension(betaFast, headDim, base, original);
    let high = yarnCorrectionDimension(betaSlow, headDim, base, original);
    if (rope.truncate ?? true) {
      low = Math.floor(low);
      high = Math.ceil(high);
    }
    low = Math.max(low, 0);
    high = Math.min(high, headDim - 1);
    if (low === high) high += 0.001;
    for (let index = 0; index < half; index += 1) {
      const ramp = Math.min(Math.max((index - low) / (high - low), 0), 1);
      const extrapolation = 1 - ramp;
      const frequency = inverse[index]!;
      inverse[index] = (frequency / factor) * (1 - extrapolation) + frequency * extrapolation;
    }
  }
  return { inverse: Float32Array.from(inverse), attentionScaling };
}

import type { ModelConfig } from "@graft/hf";
import { GraphBuilder } from "./graph-builder.js";
import { OnnxDataType, type OnnxModel } from "./onnx-graph.js";

/** A float32 weight in the layout the graph consumes (already transposed for MatMul). */
export interface DecoderWeights {
  /** Returns [rows, columns] float32 values of an HF tensor, e.g. `model.layers.0.self_attn.q_proj.weight`. */
  get(name: string): Promise<{ values: Float32Array; shape: number[] }>;
  has(name: string): boolean;
}

export const ONNX_OPSET_VERSION = 17;
/** Large negative used by transformers for masked attention scores (torch.finfo(float32).min). */
const MASK_VALUE = -3.4028234663852886e38;

function transpose(values: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let row = 0; row < rows; row += 1) {
    const base = row * columns;
    for (let column = 0; column < columns; column += 1) out[column * rows + row] = values[base + column]!;
  }
  return out;
}

function bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

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

/**
 * The Llama-family decoder (Llama, Mistral, Qwen2) as an ONNX graph with standard opset-17
 * operators: inputs `input_ids`, `attention_mask`, `position_ids`, `past_key_values.N.key|value`
 * ([batch, kv_heads, past, head_dim]) and outputs `logits`, `present.N.key|value`.
 */
export async function buildLlamaDecoderGraph(config: ModelConfig, weights: DecoderWeights, producerVersion: string): Promise<OnnxModel> {
  const graph = new GraphBuilder();
  const hidden = config.hidden_size;
  const heads = config.num_attention_heads;
  const kvHeads = config.num_key_value_heads ?? heads;
  const headDim = config.head_dim ?? hidden / heads;
  const groups = heads / kvHeads;
  const layers = config.num_hidden_layers;
  const eps = config.rms_norm_eps ?? 1e-6;

  const linear = async (input: string, name: string, biasName?: string): Promise<string> => {
    const { values, shape } = await weights.get(`${name}.weight`);
    const [rows, columns] = shape as [number, number];
    const weight = graph.initializer(`${name}.weight_t`, OnnxDataType.FLOAT, [columns, rows], bytes(transpose(values, rows, columns)));
    let output = graph.op("MatMul", [input, weight]);
    if (biasName && weights.has(`${biasName}.bias`)) {
      const bias = await weights.get(`${biasName}.bias`);
      output = graph.op("Add", [output, graph.initializer(`${biasName}.bias`, OnnxDataType.FLOAT, [bias.values.length], bytes(bias.values))]);
    }
    return output;
  };
  const rmsNorm = async (input: string, name: string): Promise<string> => {
    const weight = await weights.get(`${name}.weight`);
    const squared = graph.op("Mul", [input, input]);
    const variance = graph.op("ReduceMean", [squared], { axes: [-1], keepdims: 1 });
    const denominator = graph.op("Sqrt", [graph.op("Add", [variance, graph.float([eps], true)])]);
    const normalised = graph.op("Div", [input, denominator]);
    return graph.op("Mul", [normalised, graph.initializer(`${name}.weight`, OnnxDataType.FLOAT, [hidden], bytes(weight.values))]);
  };

  // Shapes: batch, sequence, past and total lengths.
  const inputShape = graph.op("Shape", ["input_ids"]);
  const sequenceLength = graph.op("Gather", [inputShape, graph.int64([1], true)], { axis: 0 });
  const pastLength = graph.op("Gather", [graph.op("Shape", ["past_key_values.0.key"]), graph.int64([2], true)], { axis: 0 });
  const totalLength = graph.op("Add", [pastLength, sequenceLength]);

  // Mask [batch, 1, 1, seq, total]: causal (key <= past + query) and not padding.
  const keyPositions = graph.op("Range", [graph.int64([0], true), totalLength, graph.int64([1], true)]);
  const queryPositions = graph.op("Range", [pastLength, totalLength, graph.int64([1], true)]);
  const causal = graph.op("LessOrEqual", [
    graph.op("Unsqueeze", [keyPositions, graph.int64([0])]),
    graph.op("Unsqueeze", [queryPositions, graph.int64([1])]),
  ]);
  const padding = graph.op("Unsqueeze", [graph.op("Cast", ["attention_mask"], { to: OnnxDataType.BOOL }), graph.int64([1, 2, 3])]);
  const allowed = graph.op("And", [causal, padding]);
  const maskBias = graph.op("Where", [allowed, graph.float([0], true), graph.float([MASK_VALUE], true)]);

  // RoPE tables from position_ids: cos/sin [batch, seq, head_dim].
  const inverse = graph.initializer("rope.inv_freq", OnnxDataType.FLOAT, [headDim / 2], bytes(ropeInverseFrequencies(config, headDim)));
  const positions = graph.op("Unsqueeze", [graph.op("Cast", ["position_ids"], { to: OnnxDataType.FLOAT }), graph.int64([-1])]);
  const frequencies = graph.op("Mul", [positions, inverse]);
  const angles = graph.op("Concat", [frequencies, frequencies], { axis: -1 });
  const cosine = graph.op("Cos", [angles]);
  const sine = graph.op("Sin", [angles]);
  const cosineQuery = graph.op("Unsqueeze", [cosine, graph.int64([1, 2])]);
  const sineQuery = graph.op("Unsqueeze", [sine, graph.int64([1, 2])]);
  const cosineKey = graph.op("Unsqueeze", [cosine, graph.int64([1])]);
  const sineKey = graph.op("Unsqueeze", [sine, graph.int64([1])]);
  const halves = graph.int64([headDim / 2, headDim / 2]);
  const rotate = (input: string, cos: string, sin: string): string => {
    const [first, second] = graph.multi("Split", [input, halves], 2, { axis: -1 }) as [string, string];
    const rotated = graph.op("Concat", [graph.op("Neg", [second]), first], { axis: -1 });
    return graph.op("Add", [graph.op("Mul", [input, cos]), graph.op("Mul", [rotated, sin])]);
  };

  const embedding = await weights.get("model.embed_tokens.weight");
  const [vocabulary] = embedding.shape as [number, number];
  const embedName = graph.initializer("model.embed_tokens.weight", OnnxDataType.FLOAT, [vocabulary, hidden], bytes(embedding.values));
  let state = graph.op("Gather", [embedName, "input_ids"], { axis: 0 });
  const scale = graph.float([1 / Math.sqrt(headDim)], true);

  const outputs: OnnxModel["outputs"] = [{ name: "logits", dataType: OnnxDataType.FLOAT, shape: ["batch_size", "sequence_length", vocabulary] }];
  const inputs: OnnxModel["inputs"] = [
    { name: "input_ids", dataType: OnnxDataType.INT64, shape: ["batch_size", "sequence_length"] },
    { name: "attention_mask", dataType: OnnxDataType.INT64, shape: ["batch_size", "total_sequence_length"] },
    { name: "position_ids", dataType: OnnxDataType.INT64, shape: ["batch_size", "sequence_length"] },
  ];

  for (let layer = 0; layer < layers; layer += 1) {
    const prefix = `model.layers.${layer}`;
    const normed = await rmsNorm(state, `${prefix}.input_layernorm`);
    const query = await linear(normed, `${prefix}.self_attn.q_proj`, `${prefix}.self_attn.q_proj`);
    const key = await linear(normed, `${prefix}.self_attn.k_proj`, `${prefix}.self_attn.k_proj`);
    const value = await linear(normed, `${prefix}.self_attn.v_proj`, `${prefix}.self_attn.v_proj`);
    // q: [B,S,H*D] -> [B,KV,G,S,D]; k, v: [B,S,KV*D] -> [B,KV,S,D].
    const query5 = graph.op("Transpose", [graph.op("Reshape", [query, graph.int64([0, 0, kvHeads, groups, headDim])])], { perm: [0, 2, 3, 1, 4] });
    const key4 = graph.op("Transpose", [graph.op("Reshape", [key, graph.int64([0, 0, kvHeads, headDim])])], { perm: [0, 2, 1, 3] });
    const value4 = graph.op("Transpose", [graph.op("Reshape", [value, graph.int64([0, 0, kvHeads, headDim])])], { perm: [0, 2, 1, 3] });
    const rotatedQuery = rotate(query5, cosineQuery, sineQuery);
    const rotatedKey = rotate(key4, cosineKey, sineKey);
    const pastKey = `past_key_values.${layer}.key`;
    const pastValue = `past_key_values.${layer}.value`;
    const presentKey = graph.op("Concat", [pastKey, rotatedKey], { axis: 2 }, `present.${layer}.key`);
    const presentValue = graph.op("Concat", [pastValue, value4], { axis: 2 }, `present.${layer}.value`);
    for (const name of [pastKey, pastValue]) inputs.push({ name, dataType: OnnxDataType.FLOAT, shape: ["batch_size", kvHeads, "past_sequence_length", headDim] });
    for (const name of [presentKey, presentValue]) outputs.push({ name, dataType: OnnxDataType.FLOAT, shape: ["batch_size", kvHeads, "total_sequence_length", headDim] });
    const keyTransposed = graph.op("Unsqueeze", [graph.op("Transpose", [presentKey], { perm: [0, 1, 3, 2] }), graph.int64([2])]);
    const scores = graph.op("Add", [graph.op("Mul", [graph.op("MatMul", [rotatedQuery, keyTransposed]), scale]), maskBias]);
    const probabilities = graph.op("Softmax", [scores], { axis: -1 });
    const context = graph.op("MatMul", [probabilities, graph.op("Unsqueeze", [presentValue, graph.int64([2])])]);
    const merged = graph.op("Reshape", [graph.op("Transpose", [context], { perm: [0, 3, 1, 2, 4] }), graph.int64([0, 0, heads * headDim])]);
    const attention = await linear(merged, `${prefix}.self_attn.o_proj`);
    state = graph.op("Add", [state, attention]);
    const normedPost = await rmsNorm(state, `${prefix}.post_attention_layernorm`);
    const gate = await linear(normedPost, `${prefix}.mlp.gate_proj`);
    const up = await linear(normedPost, `${prefix}.mlp.up_proj`);
    const activated = graph.op("Mul", [graph.op("Mul", [gate, graph.op("Sigmoid", [gate])]), up]);
    state = graph.op("Add", [state, await linear(activated, `${prefix}.mlp.down_proj`)]);
  }
  const finalState = await rmsNorm(state, "model.norm");
  const headName = weights.has("lm_head.weight") && !config.tie_word_embeddings ? "lm_head" : undefined;
  if (headName) {
    const logits = await linear(finalState, headName);
    graph.op("Identity", [logits], undefined, "logits");
  } else {
    const tiedHead = graph.initializer("lm_head.weight_t", OnnxDataType.FLOAT, [hidden, vocabulary], bytes(transpose(embedding.values, vocabulary, hidden)));
    graph.op("MatMul", [finalState, tiedHead], undefined, "logits");
  }
  return { nodes: graph.nodes, initializers: graph.initializers, inputs, outputs, opsetVersion: ONNX_OPSET_VERSION, producerVersion };
}

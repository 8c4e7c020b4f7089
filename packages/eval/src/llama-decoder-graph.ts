import { ConfigError, type ModelConfig } from "@graft/hf";
import { GraphBuilder, OnnxDataType, type OnnxModel } from "@graft/onnx";
import type { DecoderOps } from "./decoder-ops.js";
import { decoderShape } from "./decoder-shape.js";
import type { ExportOperators } from "./export-operators.js";
import { ortContribDecoderOps } from "./ort-contrib-decoder-ops.js";
import { standardDecoderOps } from "./standard-decoder-ops.js";

/** A float32 weight in the layout the graph consumes (already transposed for MatMul). */
export interface DecoderWeights {
  /** Returns [rows, columns] float32 values of an HF tensor, e.g. `model.layers.0.self_attn.q_proj.weight`. */
  get(name: string): Promise<{ values: Float32Array; shape: number[] }>;
  has(name: string): boolean;
}

export const ONNX_OPSET_VERSION = 17;

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

/**
 * The Llama-family decoder (Llama, Mistral, Qwen2) as an ONNX graph: inputs `input_ids`,
 * `attention_mask`, `position_ids`, `past_key_values.N.key|value` ([batch, kv_heads, past,
 * head_dim]) and outputs `logits`, `present.N.key|value`, with standard opset-17 operators or
 * (`operators: "ort-contrib"`) ONNX Runtime's fused contrib operators; same contract either way.
 * The math follows transformers' class for the config's `model_type` (see `decoderShape`); a
 * config it cannot reproduce exactly is a ConfigError naming the field (`configPath` in messages).
 */
export async function buildLlamaDecoderGraph(
  config: ModelConfig,
  weights: DecoderWeights,
  producerVersion: string,
  options: { operators?: ExportOperators; configPath?: string } = {},
): Promise<OnnxModel> {
  const configPath = options.configPath ?? "config.json";
  const shape = decoderShape(config, configPath);
  const { hidden, kvHeads, headDim, layers, biases } = shape;
  const tied = config.tie_word_embeddings;
  if (!tied && !weights.has("lm_head.weight")) {
    throw new ConfigError({
      path: configPath,
      field: "tie_word_embeddings",
      message:
        "false, but the weights have no lm_head.weight (transformers would give the model a random head); set tie_word_embeddings to true if the head is the embedding matrix, or add the head",
    });
  }
  const biasFields = { queryKeyValue: config.model_type === "llama" ? "attention_bias" : "model_type", output: "attention_bias", mlp: "mlp_bias" } as const;
  for (const [part, projections] of [
    ["queryKeyValue", ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"]],
    ["output", ["self_attn.o_proj"]],
    ["mlp", ["mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]],
  ] as const) {
    if (!biases[part]) continue;
    const missing = projections.map((projection) => `model.layers.0.${projection}.bias`).find((name) => !weights.has(name));
    if (missing) {
      throw new ConfigError({
        path: configPath,
        field: biasFields[part],
        message: `${config.model_type} with ${biasFields[part]} ${JSON.stringify(config[biasFields[part]])} has biases there, but the weights have no ${missing} (transformers would initialise it at random); fix the config or the checkpoint`,
      });
    }
  }
  const graph = new GraphBuilder();
  const ops: DecoderOps = (options.operators ?? "standard") === "ort-contrib" ? ortContribDecoderOps(graph, shape) : standardDecoderOps(graph, shape);

  /** x W^T (+ b when the model class has the bias; a stray bias tensor is ignored, as transformers ignores it). */
  const linear = async (input: string, name: string, withBias: boolean): Promise<string> => {
    const { values, shape: weightShape } = await weights.get(`${name}.weight`);
    const [rows, columns] = weightShape as [number, number];
    const weight = graph.initializer(`${name}.weight_t`, OnnxDataType.FLOAT, [columns, rows], bytes(transpose(values, rows, columns)));
    let output = graph.op("MatMul", [input, weight]);
    if (withBias) {
      const bias = await weights.get(`${name}.bias`);
      output = graph.op("Add", [output, graph.initializer(`${name}.bias`, OnnxDataType.FLOAT, [bias.values.length], bytes(bias.values))]);
    }
    return output;
  };
  const normWeight = async (name: string): Promise<string> =>
    graph.initializer(`${name}.weight`, OnnxDataType.FLOAT, [hidden], bytes((await weights.get(`${name}.weight`)).values));

  const embedding = await weights.get("model.embed_tokens.weight");
  const [vocabulary] = embedding.shape as [number, number];
  const embedName = graph.initializer("model.embed_tokens.weight", OnnxDataType.FLOAT, [vocabulary, hidden], bytes(embedding.values));

  const outputs: OnnxModel["outputs"] = [{ name: "logits", dataType: OnnxDataType.FLOAT, shape: ["batch_size", "sequence_length", vocabulary] }];
  const inputs: OnnxModel["inputs"] = [
    { name: "input_ids", dataType: OnnxDataType.INT64, shape: ["batch_size", "sequence_length"] },
    { name: "attention_mask", dataType: OnnxDataType.INT64, shape: ["batch_size", "total_sequence_length"] },
    { name: "position_ids", dataType: OnnxDataType.INT64, shape: ["batch_size", "sequence_length"] },
  ];

  // The residual stream and the norm of it that the next block reads; each block's output is
  // added to the residual by the next norm (fused into one operator where the set has one).
  let residual = graph.op("Gather", [embedName, "input_ids"], { axis: 0 });
  let normed = ops.norm(residual, await normWeight("model.layers.0.input_layernorm")).normed;
  for (let layer = 0; layer < layers; layer += 1) {
    const prefix = `model.layers.${layer}`;
    const query = await linear(normed, `${prefix}.self_attn.q_proj`, biases.queryKeyValue);
    const key = await linear(normed, `${prefix}.self_attn.k_proj`, biases.queryKeyValue);
    const value = await linear(normed, `${prefix}.self_attn.v_proj`, biases.queryKeyValue);
    for (const part of ["key", "value"]) {
      inputs.push({ name: `past_key_values.${layer}.${part}`, dataType: OnnxDataType.FLOAT, shape: ["batch_size", kvHeads, "past_sequence_length", headDim] });
      outputs.push({ name: `present.${layer}.${part}`, dataType: OnnxDataType.FLOAT, shape: ["batch_size", kvHeads, "total_sequence_length", headDim] });
    }
    const attention = await linear(ops.attention(query, key, value, layer), `${prefix}.self_attn.o_proj`, biases.output);
    const post = ops.norm(attention, await normWeight(`${prefix}.post_attention_layernorm`), residual, true);
    residual = post.sum!;
    const gate = await linear(post.normed, `${prefix}.mlp.gate_proj`, biases.mlp);
    const up = await linear(post.normed, `${prefix}.mlp.up_proj`, biases.mlp);
    const activated = graph.op("Mul", [graph.op("Mul", [gate, graph.op("Sigmoid", [gate])]), up]);
    const mlp = await linear(activated, `${prefix}.mlp.down_proj`, biases.mlp);
    const last = layer === layers - 1;
    const next = ops.norm(mlp, await normWeight(last ? "model.norm" : `model.layers.${layer + 1}.input_layernorm`), residual, !last);
    normed = next.normed;
    if (!last) residual = next.sum!;
  }
  if (!tied) {
    const logits = await linear(normed, "lm_head", false);
    graph.op("Identity", [logits], undefined, "logits");
  } else {
    const tiedHead = graph.initializer("lm_head.weight_t", OnnxDataType.FLOAT, [hidden, vocabulary], bytes(transpose(embedding.values, vocabulary, hidden)));
    graph.op("MatMul", [normed, tiedHead], undefined, "logits");
  }
  return { nodes: graph.nodes, initializers: graph.initializers, inputs, outputs, opsetVersion: ONNX_OPSET_VERSION, producerVersion };
}

import { type GraphBuilder, OnnxDataType } from "@graft/onnx";
import type { DecoderOps } from "./decoder-ops.js";
import type { DecoderShape } from "./decoder-shape.js";

/** Large negative used by transformers for masked attention scores (torch.finfo(float32).min). */
export const MASK_VALUE = -3.4028234663852886e38;

/**
 * Additive attention masks [.., seq, total] (0 where attended, MASK_VALUE elsewhere) per layer:
 * causal (key <= past + query) and not padding (`padding`, broadcast over the last axes), and for a
 * sliding layer also key > query - window, as transformers' sliding_window_overlay. One mask per
 * distinct window; built on first use.
 */
export function attentionMasks(
  graph: GraphBuilder,
  pastLength: string,
  totalLength: string,
  padding: string,
  slidingWindows: (number | null)[],
): (layer: number) => string {
  const keyPositions = graph.op("Unsqueeze", [graph.op("Range", [graph.int64([0], true), totalLength, graph.int64([1], true)]), graph.int64([0])]);
  const queryPositions = graph.op("Unsqueeze", [graph.op("Range", [pastLength, totalLength, graph.int64([1], true)]), graph.int64([1])]);
  const causal = graph.op("LessOrEqual", [keyPositions, queryPositions]);
  const masks = new Map<number | null, string>();
  return (layer) => {
    const window = slidingWindows[layer] ?? null;
    let mask = masks.get(window);
    if (mask === undefined) {
      let allowed = graph.op("And", [causal, padding]);
      if (window !== null)
        allowed = graph.op("And", [allowed, graph.op("Greater", [keyPositions, graph.op("Sub", [queryPositions, graph.int64([window], true)])])]);
      mask = graph.op("Where", [allowed, graph.float([0], true), graph.float([MASK_VALUE], true)]);
      masks.set(window, mask);
    }
    return mask;
  };
}

/** RMSNorm, RoPE and attention from standard opset-17 operators (runs on any ONNX runtime). */
export function standardDecoderOps(graph: GraphBuilder, shape: DecoderShape): DecoderOps {
  const { heads, kvHeads, headDim, eps, rope, slidingWindows } = shape;
  const groups = heads / kvHeads;

  // Shapes: sequence, past and total lengths.
  const sequenceLength = graph.op("Gather", [graph.op("Shape", ["input_ids"]), graph.int64([1], true)], { axis: 0 });
  const pastLength = graph.op("Gather", [graph.op("Shape", ["past_key_values.0.key"]), graph.int64([2], true)], { axis: 0 });
  const totalLength = graph.op("Add", [pastLength, sequenceLength]);

  // Mask [batch, 1, 1, seq, total]: causal (key <= past + query), within the layer's sliding window, and not padding.
  const padding = graph.op("Unsqueeze", [graph.op("Cast", ["attention_mask"], { to: OnnxDataType.BOOL }), graph.int64([1, 2, 3])]);
  const maskBias = attentionMasks(graph, pastLength, totalLength, padding, slidingWindows);

  // RoPE tables from position_ids: cos/sin [batch, seq, head_dim].
  const inverse = graph.initializer("rope.inv_freq", OnnxDataType.FLOAT, [headDim / 2], new Uint8Array(rope.inverse.buffer));
  const positions = graph.op("Unsqueeze", [graph.op("Cast", ["position_ids"], { to: OnnxDataType.FLOAT }), graph.int64([-1])]);
  const frequencies = graph.op("Mul", [positions, inverse]);
  const angles = graph.op("Concat", [frequencies, frequencies], { axis: -1 });
  // yarn scales cos and sin (transformers' attention_scaling); the other types leave them as they are.
  const scaled = (table: string): string => (rope.attentionScaling === 1 ? table : graph.op("Mul", [table, graph.float([rope.attentionScaling], true)]));
  const cosine = scaled(graph.op("Cos", [angles]));
  const sine = scaled(graph.op("Sin", [angles]));
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
  const scale = graph.float([1 / Math.sqrt(headDim)], true);

  return {
    norm(input, weight, skip, keepSum) {
      const sum = skip ? graph.op("Add", [skip, input]) : input;
      const variance = graph.op("ReduceMean", [graph.op("Mul", [sum, sum])], { axes: [-1], keepdims: 1 });
      const denominator = graph.op("Sqrt", [graph.op("Add", [variance, graph.float([eps], true)])]);
      const normed = graph.op("Mul", [graph.op("Div", [sum, denominator]), weight]);
      return { normed, sum: keepSum ? sum : undefined };
    },
    attention(query, key, value, layer) {
      // q: [B,S,H*D] -> [B,KV,G,S,D]; k, v: [B,S,KV*D] -> [B,KV,S,D].
      const query5 = graph.op("Transpose", [graph.op("Reshape", [query, graph.int64([0, 0, kvHeads, groups, headDim])])], { perm: [0, 2, 3, 1, 4] });
      const key4 = graph.op("Transpose", [graph.op("Reshape", [key, graph.int64([0, 0, kvHeads, headDim])])], { perm: [0, 2, 1, 3] });
      const value4 = graph.op("Transpose", [graph.op("Reshape", [value, graph.int64([0, 0, kvHeads, headDim])])], { perm: [0, 2, 1, 3] });
      const rotatedQuery = rotate(query5, cosineQuery, sineQuery);
      const rotatedKey = rotate(key4, cosineKey, sineKey);
      const presentKey = graph.op("Concat", [`past_key_values.${layer}.key`, rotatedKey], { axis: 2 }, `present.${layer}.key`);
      const presentValue = graph.op("Concat", [`past_key_values.${layer}.value`, value4], { axis: 2 }, `present.${layer}.value`);
      const keyTransposed = graph.op("Unsqueeze", [graph.op("Transpose", [presentKey], { perm: [0, 1, 3, 2] }), graph.int64([2])]);
      const scores = graph.op("Add", [graph.op("Mul", [graph.op("MatMul", [rotatedQuery, keyTransposed]), scale]), maskBias(layer)]);
      const probabilities = graph.op("Softmax", [scores], { axis: -1 });
      const context = graph.op("MatMul", [probabilities, graph.op("Unsqueeze", [presentValue, graph.int64([2])])]);
      return graph.op("Reshape", [graph.op("Transpose", [context], { perm: [0, 3, 1, 2, 4] }), graph.int64([0, 0, heads * headDim])]);
    },
  };
}

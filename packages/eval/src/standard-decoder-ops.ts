import type { ModelConfig } from "@graft/hf";
import { type GraphBuilder, OnnxDataType } from "@graft/onnx";
import type { DecoderOps, DecoderShape } from "./decoder-ops.js";
import { ropeInverseFrequencies } from "./rope-inverse-frequencies.js";

/** Large negative used by transformers for masked attention scores (torch.finfo(float32).min). */
export const MASK_VALUE = -3.4028234663852886e38;

/** RMSNorm, RoPE and attention from standard opset-17 operators (runs on any ONNX runtime). */
export function standardDecoderOps(graph: GraphBuilder, config: ModelConfig, shape: DecoderShape): DecoderOps {
  const { heads, kvHeads, headDim, eps } = shape;
  const groups = heads / kvHeads;

  // Shapes: sequence, past and total lengths.
  const sequenceLength = graph.op("Gather", [graph.op("Shape", ["input_ids"]), graph.int64([1], true)], { axis: 0 });
  const pastLength = graph.op("Gather", [graph.op("Shape", ["past_key_values.0.key"]), graph.int64([2], true)], { axis: 0 });
  const totalLength = graph.op("Add", [pastLength, sequenceLength]);

  // Mask [batch, 1, 1, seq, total]: causal (key <= past + query) and not padding.
  const keyPositions = graph.op("Range", [graph.int64([0], true), totalLength, graph.int64([1], true)]);
  const queryPositions = graph.op("Range", [pastLength, totalLength, graph.int64([1], true)]);
  const causal = graph.op("LessOrEqual", [graph.op("Unsqueeze", [keyPositions, graph.int64([0])]), graph.op("Unsqueeze", [queryPositions, graph.int64([1])])]);
  const padding = graph.op("Unsqueeze", [graph.op("Cast", ["attention_mask"], { to: OnnxDataType.BOOL }), graph.int64([1, 2, 3])]);
  const maskBias = graph.op("Where", [graph.op("And", [causal, padding]), graph.float([0], true), graph.float([MASK_VALUE], true)]);

  // RoPE tables from position_ids: cos/sin [batch, seq, head_dim].
  const inverse = graph.initializer("rope.inv_freq", OnnxDataType.FLOAT, [headDim / 2], new Uint8Array(ropeInverseFrequencies(config, headDim).buffer));
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
      const scores = graph.op("Add", [graph.op("Mul", [graph.op("MatMul", [rotatedQuery, keyTransposed]), scale]), maskBias]);
      const probabilities = graph.op("Softmax", [scores], { axis: -1 });
      const context = graph.op("MatMul", [probabilities, graph.op("Unsqueeze", [presentValue, graph.int64([2])])]);
      return graph.op("Reshape", [graph.op("Transpose", [context], { perm: [0, 3, 1, 2, 4] }), graph.int64([0, 0, heads * headDim])]);
    },
  };
}

import { type GraphBuilder, OnnxDataType } from "@graft/onnx";
import type { DecoderOps } from "./decoder-ops.js";
import type { DecoderShape } from "./decoder-shape.js";
import { ropeCosSinCache } from "./rope-cos-sin-cache.js";
import { attentionMasks } from "./standard-decoder-ops.js";

const MICROSOFT = "com.microsoft";

/**
 * RMSNorm, RoPE and attention from ONNX Runtime's fused contrib operators:
 * `SimplifiedLayerNormalization` (first norm), `com.microsoft.SkipSimplifiedLayerNormalization`
 * (residual add + norm), `com.microsoft.RotaryEmbedding` (cos/sin tables precomputed for
 * `max_position_embeddings` positions, indexed by `position_ids`, so left padding keeps its
 * positions) and `com.microsoft.GroupQueryAttention` (BNSH KV cache in and out, no head repeat).
 * GroupQueryAttention reads valid lengths from `seqlens_k` as if padding were on the right; the
 * export passes every row's full length there and masks left padding (and the causal triangle)
 * through `attention_bias` instead, which is exact.
 */
export function ortContribDecoderOps(graph: GraphBuilder, shape: DecoderShape): DecoderOps {
  const { heads, kvHeads, headDim, eps } = shape;
  const inputShape = graph.op("Shape", ["input_ids"]);
  const batch = graph.op("Gather", [inputShape, graph.int64([0])], { axis: 0 });
  const sequenceLength = graph.op("Gather", [inputShape, graph.int64([1], true)], { axis: 0 });
  const pastLength = graph.op("Gather", [graph.op("Shape", ["past_key_values.0.key"]), graph.int64([2], true)], { axis: 0 });
  const totalLength = graph.op("Add", [pastLength, sequenceLength]);
  const totalLength32 = graph.op("Cast", [totalLength], { to: OnnxDataType.INT32 });
  const lastIndex32 = graph.op("Cast", [graph.op("Sub", [totalLength, graph.int64([1], true)])], { to: OnnxDataType.INT32 });
  const seqlensK = graph.op("Expand", [lastIndex32, batch]);

  // attention_bias [batch, 1, seq, total]: 0 where key <= past + query, within the layer's window, and the key is not padding.
  const padding = graph.op("Unsqueeze", [graph.op("Cast", ["attention_mask"], { to: OnnxDataType.BOOL }), graph.int64([1, 2])]);
  const attentionBias = attentionMasks(graph, pastLength, totalLength, padding, shape.slidingWindows);

  const positions = shape.maxPositions;
  const tables = ropeCosSinCache(shape.rope, positions);
  const cosCache = graph.initializer("rope.cos_cache", OnnxDataType.FLOAT, [positions, tables.columns], new Uint8Array(tables.cos.buffer));
  const sinCache = graph.initializer("rope.sin_cache", OnnxDataType.FLOAT, [positions, tables.columns], new Uint8Array(tables.sin.buffer));
  const rotary = (input: string): string => graph.op("RotaryEmbedding", [input, "position_ids", cosCache, sinCache], { interleaved: 0 }, undefined, MICROSOFT);

  return {
    norm(input, weight, skip, keepSum) {
      if (!skip) return { normed: graph.op("SimplifiedLayerNormalization", [input, weight], { axis: -1, epsilon: { float: eps }, stash_type: 1 }) };
      const [normed, , , sum] = graph.multi(
        "SkipSimplifiedLayerNormalization",
        [input, skip, weight],
        4,
        { epsilon: { float: eps } },
        { domain: MICROSOFT, used: [true, false, false, Boolean(keepSum)] },
      );
      return { normed: normed!, sum: keepSum ? sum : undefined };
    },
    attention(query, key, value, layer) {
      const [context] = graph.multi(
        "GroupQueryAttention",
        [
          rotary(query),
          rotary(key),
          value,
          `past_key_values.${layer}.key`,
          `past_key_values.${layer}.value`,
          seqlensK,
          totalLength32,
          "",
          "",
          "",
          attentionBias(layer),
        ],
        3,
        { num_heads: heads, kv_num_heads: kvHeads, scale: { float: 1 / Math.sqrt(headDim) } },
        { domain: MICROSOFT, names: [undefined, `present.${layer}.key`, `present.${layer}.value`] },
      );
      return context!;
    },
  };
}

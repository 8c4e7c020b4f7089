import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { positionIdsFromMask, type CausalLanguageModel, type ForwardInput, type ForwardResult, type KeyValueCache } from "./causal-language-model.js";
import { createInferenceSession, float32Tensor, int64Tensor, type InferenceSession, type SessionTensor } from "./onnx-session.js";

/** The ONNX backend's cache: per layer `[batch, kv_heads, length, head_dim]` tensors, key then value. */
export interface OnnxKeyValueCache extends KeyValueCache {
  readonly tensors: SessionTensor[];
}

function isOnnxCache(cache: KeyValueCache): cache is OnnxKeyValueCache {
  return Array.isArray((cache as Partial<OnnxKeyValueCache>).tensors);
}

/** An exported decoder (`onnx/model.onnx`) run by ONNX Runtime with a KV cache. */
export class OnnxCausalModel implements CausalLanguageModel {
  readonly backend = "onnx";

  private constructor(
    readonly directory: string,
    readonly session: InferenceSession,
    readonly layers: number,
    readonly kvHeads: number,
    readonly headDim: number,
    readonly config: Record<string, unknown>,
  ) {}

  static async load(directory: string, options: { threads?: number } = {}): Promise<OnnxCausalModel> {
    const config = JSON.parse(await readFile(join(directory, "config.json"), "utf8")) as Record<string, unknown>;
    const heads = config.num_attention_heads as number;
    const headDim = (config.head_dim as number | undefined) ?? (config.hidden_size as number) / heads;
    const session = await createInferenceSession(join(directory, "onnx", "model.onnx"), options);
    return new OnnxCausalModel(directory, session, config.num_hidden_layers as number, (config.num_key_value_heads as number | undefined) ?? heads, headDim, config);
  }

  emptyCache(batch: number): OnnxKeyValueCache {
    const tensors: SessionTensor[] = [];
    for (let index = 0; index < this.layers * 2; index += 1) tensors.push(float32Tensor(new Float32Array(0), [batch, this.kvHeads, 0, this.headDim]));
    return { tensors, length: 0 };
  }

  /** One forward pass; position ids follow the attention mask (left padding aware). */
  async forward(input: ForwardInput): Promise<ForwardResult> {
    const batch = input.inputIds.length;
    const sequence = input.inputIds[0]!.length;
    if (input.cache && !isOnnxCache(input.cache)) throw new TypeError("OnnxCausalModel.forward: the cache comes from another backend; pass the cache this model returned");
    const cache = input.cache ?? this.emptyCache(batch);
    const total = cache.length + sequence;
    const mask = input.attentionMask ?? input.inputIds.map(() => new Array<number>(total).fill(1));
    const positions = positionIdsFromMask(mask, sequence).flat();
    const feeds: Record<string, SessionTensor> = {
      input_ids: int64Tensor(input.inputIds.flat(), [batch, sequence]),
      attention_mask: int64Tensor(mask.flat(), [batch, total]),
      position_ids: int64Tensor(positions, [batch, sequence]),
    };
    for (let layer = 0; layer < this.layers; layer += 1) {
      feeds[`past_key_values.${layer}.key`] = cache.tensors[layer * 2]!;
      feeds[`past_key_values.${layer}.value`] = cache.tensors[layer * 2 + 1]!;
    }
    const results = await this.session.run(feeds);
    const logits = results.logits!;
    const tensors: SessionTensor[] = [];
    for (let layer = 0; layer < this.layers; layer += 1) tensors.push(results[`present.${layer}.key`]!, results[`present.${layer}.value`]!);
    return { logits: logits.data as Float32Array, vocabulary: logits.dims[2]!, cache: { tensors, length: total } as OnnxKeyValueCache };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

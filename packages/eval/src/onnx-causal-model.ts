import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { batchRow, concatBatchRows, createInferenceSession, float32Tensor, type InferenceSession, int64Tensor, type SessionTensor } from "@graft/onnx";
import { type CausalLanguageModel, type ForwardInput, type ForwardResult, type KeyValueCache, positionIdsFromMask } from "./causal-language-model.js";
import { EXPORT_METADATA_FILE, type ExportOperators, isExportOperators } from "./export-operators.js";

/** The ONNX backend's cache: per layer `[batch, kv_heads, length, head_dim]` tensors, key then value. */
export interface OnnxKeyValueCache extends KeyValueCache {
  readonly tensors: SessionTensor[];
}

function isOnnxCache(cache: KeyValueCache): cache is OnnxKeyValueCache {
  return Array.isArray((cache as Partial<OnnxKeyValueCache>).tensors);
}

/** The operator set `graft-export.json` names; exports without the file (older graft, optimum) are standard. */
async function exportedOperators(directory: string): Promise<ExportOperators> {
  const path = join(directory, EXPORT_METADATA_FILE);
  if (!existsSync(path)) return "standard";
  const operators = (JSON.parse(await readFile(path, "utf8")) as { operators?: unknown }).operators;
  return isExportOperators(operators) ? operators : "standard";
}

/** Rows of the `ort-contrib` export's cos/sin tables: `max_position_embeddings`, 2048 when unset (as the exporter builds them). */
function ropeTablePositions(config: Record<string, unknown>): number {
  return (config.max_position_embeddings as number | undefined) ?? 2048;
}

/**
 * An exported decoder (`onnx/model.onnx`) run by ONNX Runtime with a KV cache. For an `ort-contrib`
 * export, a batch of several rows that continues a cache with more than one token runs row by row
 * (GroupQueryAttention's CPU kernel accepts past context with several new tokens only at batch 1),
 * and positions stop at `max_position_embeddings` (the rotary tables' length).
 */
export class OnnxCausalModel implements CausalLanguageModel {
  readonly backend = "onnx";

  private constructor(
    readonly directory: string,
    readonly session: InferenceSession,
    readonly layers: number,
    readonly kvHeads: number,
    readonly headDim: number,
    readonly config: Record<string, unknown>,
    /** The export's operator set (from `graft-export.json`). */
    readonly operators: ExportOperators,
  ) {}

  static async load(directory: string, options: { threads?: number } = {}): Promise<OnnxCausalModel> {
    const config = JSON.parse(await readFile(join(directory, "config.json"), "utf8")) as Record<string, unknown>;
    const heads = config.num_attention_heads as number;
    const headDim = (config.head_dim as number | undefined) ?? (config.hidden_size as number) / heads;
    const session = await createInferenceSession(join(directory, "onnx", "model.onnx"), options);
    const operators = await exportedOperators(directory);
    return new OnnxCausalModel(
      directory,
      session,
      config.num_hidden_layers as number,
      (config.num_key_value_heads as number | undefined) ?? heads,
      headDim,
      config,
      operators,
    );
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
    if (input.cache && !isOnnxCache(input.cache))
      throw new TypeError("OnnxCausalModel.forward: the cache comes from another backend; pass the cache this model returned");
    const cache = input.cache ?? this.emptyCache(batch);
    const total = cache.length + sequence;
    const mask = input.attentionMask ?? input.inputIds.map(() => new Array<number>(total).fill(1));
    if (this.operators === "ort-contrib" && batch > 1 && cache.length > 0 && sequence > 1) return this.forwardRowByRow(input.inputIds, mask, cache);
    const positions = positionIdsFromMask(mask, sequence).flat();
    if (this.operators === "ort-contrib") {
      const limit = ropeTablePositions(this.config);
      const highest = positions.reduce((maximum, position) => Math.max(maximum, position), 0);
      if (highest >= limit) {
        throw new RangeError(
          `OnnxCausalModel.forward: position ${highest} is beyond the ${limit} positions (max_position_embeddings) an ort-contrib export's rotary tables hold; use a standard export (exportOnnx({ operators: "standard" })) for longer sequences`,
        );
      }
    }
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

  private async forwardRowByRow(inputIds: number[][], mask: number[][], cache: OnnxKeyValueCache): Promise<ForwardResult> {
    const results: ForwardResult[] = [];
    for (let row = 0; row < inputIds.length; row += 1) {
      const rowCache: OnnxKeyValueCache = { tensors: cache.tensors.map((tensor) => batchRow(tensor, row)), length: cache.length };
      results.push(await this.forward({ inputIds: [inputIds[row]!], attentionMask: [mask[row]!], cache: rowCache }));
    }
    const logits = new Float32Array(results.reduce((total, result) => total + result.logits.length, 0));
    let offset = 0;
    for (const result of results) {
      logits.set(result.logits, offset);
      offset += result.logits.length;
    }
    const caches = results.map((result) => result.cache as OnnxKeyValueCache);
    const tensors = caches[0]!.tensors.map((_, index) => concatBatchRows(caches.map((rowCache) => rowCache.tensors[index]!)));
    return { logits, vocabulary: results[0]!.vocabulary, cache: { tensors, length: caches[0]!.length } as OnnxKeyValueCache };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

import { bf16ToFloat32Array, f16ToFloat32Array, float32ToBf16Bits, float32ToF16Bits, type ShardedSafetensorsReader, type Tensor } from "@graft/safetensors";
import type { InitMethod, InitMethodInput, RowCombination } from "./init-method.js";
import { InitMethodError } from "./init-method-error.js";
import type { OldSegmentation } from "./old-segmentation.js";

/** The stored dtypes embedding rows are built in. */
export type EmbeddingDtype = "F32" | "F16" | "BF16";
export const EMBEDDING_DTYPES: readonly EmbeddingDtype[] = ["F32", "F16", "BF16"];
const ELEMENT_BYTES: Record<EmbeddingDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export interface BuildEmbeddingRowsOptions {
  weights: ShardedSafetensorsReader;
  /** Tensor name, e.g. `model.embed_tokens.weight`. */
  module: string;
  dtype: EmbeddingDtype;
  /** Rows of the base tensor. */
  oldRows: number;
  /** Rows of the output tensor (>= oldRows). */
  rows: number;
  hiddenSize: number;
  segmentation: OldSegmentation;
  methodName: string;
  method: InitMethod;
  context: Pick<InitMethodInput, "mergeOf" | "idOf" | "tokenOf">;
}

/**
 * Builds one embedding tensor of `rows` rows straight into its output bytes (the stored dtype):
 * the base rows are read into the head of the output buffer and stay there bit for bit; rows
 * of new tokens are the method's combinations of base rows (float64, rounded once to float32,
 * then to the dtype); rows without a token keep the model's bytes when the base tensor had them
 * and get the mean of all base-vocabulary rows otherwise. Memory: the output tensor only.
 */
export async function buildEmbeddingRows(options: BuildEmbeddingRowsOptions): Promise<Tensor> {
  const { module, dtype, oldRows, rows, hiddenSize, segmentation } = options;
  const rowElements = hiddenSize;
  const data = new Uint8Array(new ArrayBuffer(rows * rowElements * ELEMENT_BYTES[dtype]));
  const file = await options.weights.fileReader(module);
  await file.readRowsInto(module, 0, oldRows, data);
  const floats = dtype === "F32" ? new Float32Array(data.buffer, 0, rows * rowElements) : undefined;
  const halves = dtype === "F32" ? undefined : new Uint16Array(data.buffer, 0, rows * rowElements);
  const rowBytes = rowElements * ELEMENT_BYTES[dtype];

  const widen = (id: number, target: Float32Array): Float32Array => {
    if (floats) target.set(floats.subarray(id * rowElements, (id + 1) * rowElements));
    else if (dtype === "BF16") bf16ToFloat32Array(data.subarray(id * rowBytes, (id + 1) * rowBytes), target);
    else f16ToFloat32Array(data.subarray(id * rowBytes, (id + 1) * rowBytes), target);
    return target;
  };
  const store = (id: number, sums: Float64Array, divisor: number) => {
    const offset = id * rowElements;
    if (floats) for (let column = 0; column < rowElements; column += 1) floats[offset + column] = sums[column] / divisor;
    else if (dtype === "BF16")
      for (let column = 0; column < rowElements; column += 1) (halves as Uint16Array)[offset + column] = float32ToBf16Bits(sums[column] / divisor);
    else for (let column = 0; column < rowElements; column += 1) (halves as Uint16Array)[offset + column] = float32ToF16Bits(sums[column] / divisor);
  };

  // The mean of all base-vocabulary rows, before any row is written (gaps included, as A defines it).
  const scratch = new Float32Array(rowElements);
  const allRowsSum = new Float64Array(rowElements);
  for (let id = 0; id < segmentation.baseRowCount; id += 1) {
    widen(id, scratch);
    for (let column = 0; column < rowElements; column += 1) allRowsSum[column] += scratch[column];
  }

  const combinationOf = options.method({ module, hiddenSize, segmentation, ...options.context, baseRow: (id) => widen(id, new Float32Array(rowElements)) });
  const sums = new Float64Array(rowElements);
  for (let id = 0; id < rows; id += 1) {
    const kind = segmentation.kinds[id];
    if (kind === "copied") {
      const baseId = segmentation.baseIds[segmentation.offsets[id]];
      if (baseId !== id) data.copyWithin(id * rowBytes, baseId * rowBytes, (baseId + 1) * rowBytes);
      continue;
    }
    if (kind === "padding") {
      if (id >= oldRows) store(id, allRowsSum, segmentation.baseRowCount);
      continue;
    }
    const combination = combinationOf(id);
    if (combination === undefined) {
      store(id, allRowsSum, segmentation.baseRowCount);
      continue;
    }
    const divisor = checkCombination(combination, id, options);
    sums.fill(0);
    for (let part = 0; part < combination.ids.length; part += 1) {
      const weight = combination.weights[part];
      const source = combination.ids[part];
      if (floats) {
        const offset = source * rowElements;
        for (let column = 0; column < rowElements; column += 1) sums[column] += weight * floats[offset + column];
      } else {
        widen(source, scratch);
        for (let column = 0; column < rowElements; column += 1) sums[column] += weight * scratch[column];
      }
    }
    store(id, sums, divisor);
  }
  return { dtype, shape: [rows, hiddenSize], data };
}

function checkCombination(combination: RowCombination, id: number, options: BuildEmbeddingRowsOptions): number {
  const fail = (message: string) => new InitMethodError({ method: options.methodName, module: options.module, tokenId: id, message });
  const { ids, weights } = combination;
  const divisor = combination.divisor ?? 1;
  if (ids.length === 0 || ids.length !== weights.length) throw fail(`${ids.length} ids with ${weights.length} weights`);
  if (!Number.isFinite(divisor) || divisor === 0) throw fail(`divisor ${divisor}`);
  for (let part = 0; part < ids.length; part += 1) {
    const baseId = ids[part];
    if (!Number.isInteger(baseId) || baseId < 0 || baseId >= options.segmentation.baseRowCount)
      throw fail(`base id ${baseId} is outside 0..${options.segmentation.baseRowCount - 1}`);
    if (!Number.isFinite(weights[part])) throw fail(`weight ${weights[part]} for base id ${baseId}`);
  }
  return divisor;
}

import { fromFloat32 } from "@graft/safetensors";
import type { OldSegmentation, SegmentationKind } from "@graft/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accumulateFit } from "./accumulate-fit.js";
import { accumulateFoldedFit } from "./accumulate-folded-fit.js";
import { DenseProducts } from "./dense-products.js";
import { EmbeddingMatrix } from "./embedding-matrix.js";
import { randomMatrix, relativeError } from "./testing/random-matrix.js";

/**
 * A segmentation of `baseRows` base tokens extended by `newRows` tokens: copied rows, new tokens of
 * 2-4 pieces (some repeated, some spanning blocks), unsegmentable rows and a padding row.
 */
function syntheticSegmentation(baseRows: number, newRows: number, seed: number): OldSegmentation {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const offsets = [0];
  const baseIds: number[] = [];
  const kinds: SegmentationKind[] = [];
  for (let id = 0; id < baseRows; id += 1) {
    baseIds.push(id);
    offsets.push(baseIds.length);
    kinds.push("copied");
  }
  for (let index = 0; index < newRows; index += 1) {
    if (index % 17 === 5) kinds.push("unsegmentable");
    else if (index === newRows - 1) kinds.push("padding");
    else {
      const pieces = 2 + Math.floor(random() * 3);
      const first = Math.floor(random() * baseRows);
      for (let piece = 0; piece < pieces; piece += 1) baseIds.push(index % 7 === 0 ? first : Math.floor(random() * baseRows));
      kinds.push("segmented");
    }
    offsets.push(baseIds.length);
  }
  const offsetArray = Int32Array.from(offsets);
  const idArray = Int32Array.from(baseIds);
  return {
    baseRowCount: baseRows,
    rowCount: baseRows + newRows,
    offsets: offsetArray,
    baseIds: idArray,
    kinds,
    newTokenIds: Array.from({ length: newRows }, (_, index) => baseRows + index),
    segment: (id) => Array.from(idArray.subarray(offsetArray[id]!, offsetArray[id + 1]!)),
  };
}

function matrix(rows: number, width: number, seed: number, dtype: "F32" | "BF16"): EmbeddingMatrix {
  const values = Float32Array.from(randomMatrix(rows, width, seed));
  return new EmbeddingMatrix(fromFloat32(values, dtype, [rows, width]));
}

describe("accumulateFoldedFit", () => {
  let products: DenseProducts;
  beforeAll(async () => {
    products = await DenseProducts.open(2);
  });
  afterAll(async () => {
    await products.release();
  });

  for (const dtype of ["BF16", "F32"] as const) {
    it(`gives the sums of the row-by-row fit over the aggregated rows (${dtype}, several blocks, gram and cross panels, excluded rows)`, async () => {
      const baseRows = 300;
      const width = 40;
      const segmentation = syntheticSegmentation(baseRows, 160, 7);
      // Leave out a few base rows (special tokens) and the padding row, as propagateEmbeddings does.
      const fitIds = Int32Array.from({ length: segmentation.rowCount }, (_, id) => id).filter((id) => segmentation.kinds[id] !== "padding" && id % 50 !== 3);
      const base = matrix(baseRows + 4, width, 1, dtype);
      const instruct = matrix(baseRows + 4, width, 2, dtype);
      const reference = await accumulateFit({ segmentation, fitIds, base, instruct });
      const folded = await accumulateFoldedFit({ segmentation, fitIds, base, instruct, products, panelColumns: 16, crossRows: 12, blockRows: 64 });
      expect(folded.rows).toBe(fitIds.length);
      expect(relativeError(folded.symmetricGram(), reference.symmetricGram())).toBeLessThan(1e-13);
      expect(relativeError(folded.cross, reference.cross)).toBeLessThan(1e-13);
      expect(Math.abs(folded.targetSquaredNorm - reference.targetSquaredNorm) / reference.targetSquaredNorm).toBeLessThan(1e-13);
    });
  }

  it("is the plain base-row fit when every fit row is a copied token (overlap mode), one panel, one block", async () => {
    const baseRows = 90;
    const width = 12;
    const segmentation = syntheticSegmentation(baseRows, 30, 3);
    const fitIds = Int32Array.from({ length: baseRows }, (_, id) => id);
    const base = matrix(baseRows, width, 4, "F32");
    const instruct = matrix(baseRows, width, 5, "F32");
    const reference = await accumulateFit({ segmentation, fitIds, base, instruct });
    const folded = await accumulateFoldedFit({ segmentation, fitIds, base, instruct, products });
    expect(relativeError(folded.symmetricGram(), reference.symmetricGram())).toBeLessThan(1e-14);
    expect(relativeError(folded.cross, reference.cross)).toBeLessThan(1e-14);
  });
});

import { availableParallelism } from "node:os";
import {
  createInferenceSession,
  encodeOnnxModel,
  float32Tensor,
  float64Tensor,
  type InferenceSession,
  OnnxDataType,
  type OnnxNode,
  type OnnxValueInfo,
} from "@graft/onnx";

/** Opset of the product graphs (Gemm and MatMul as in opset 13+). */
const OPSET = 17;

type DataType = (typeof OnnxDataType)["FLOAT" | "DOUBLE"];

function productModel(nodes: OnnxNode[], inputs: OnnxValueInfo[], outputs: OnnxValueInfo[]): Uint8Array {
  return encodeOnnxModel({ nodes, initializers: [], inputs, outputs, opsetVersion: OPSET, producerVersion: "graft-lep" }, []);
}

/**
 * One block of the normal equations folded into running sums: `gram = gramIn + SᵀS`,
 * `cross = crossIn + SᵀT` (GEMM's C input, so the sums never leave the kernel), and
 * `squares = ||T||²` for row blocks S, T (`rows x width`, float64).
 */
function normalBlocksModel(): Uint8Array {
  const double = OnnxDataType.DOUBLE;
  return productModel(
    [
      { opType: "Gemm", inputs: ["source", "source", "gram_in"], outputs: ["gram"], name: "gram", attributes: { transA: 1 } },
      { opType: "Gemm", inputs: ["source", "target", "cross_in"], outputs: ["cross"], name: "cross", attributes: { transA: 1 } },
      { opType: "ReduceSumSquare", inputs: ["target"], outputs: ["squares"], name: "squares", attributes: { keepdims: 0 } },
    ],
    [
      { name: "source", dataType: double, shape: ["rows", "width"] },
      { name: "target", dataType: double, shape: ["rows", "width"] },
      { name: "gram_in", dataType: double, shape: ["width", "width"] },
      { name: "cross_in", dataType: double, shape: ["width", "width"] },
    ],
    [
      { name: "gram", dataType: double, shape: ["width", "width"] },
      { name: "cross", dataType: double, shape: ["width", "width"] },
      { name: "squares", dataType: double, shape: [] },
    ],
  );
}

/** Start column of each ŜᵀŜ panel, then `width`: panels of `panelColumns` (the last may be narrower). */
export function panelBounds(width: number, panelColumns: number): number[] {
  const bounds: number[] = [];
  for (let start = 0; start < width; start += panelColumns) bounds.push(start);
  bounds.push(width);
  return bounds;
}

/**
 * Running sums of the folded fit: one row panel of ŜᵀŜ per column panel i, its rows
 * `[b_i, b_(i+1))` from column b_i to the end (`(b_(i+1) − b_i) x (width − b_i)`, row-major: the
 * upper triangle and the diagonal blocks), and ŜᵀT̂ (width x width) as row panels of
 * `crossRows` rows (`panelBounds(width, crossRows)`).
 */
export interface FoldedSums {
  panels: Float64Array[];
  cross: Float64Array[];
}

/**
 * Rows per GEMM of ŜᵀT̂ in the folded fit. Panels of 1,024 rows keep each GEMM's running sum (its C
 * input) near the cache, which MLAS runs faster than one width x width product at d = 4,096 and as
 * fast at smaller widths (measurements: bench/RESULTS.md).
 */
export const CROSS_PANEL_ROWS = 1024;

/**
 * One block of the folded normal equations: for base rows X, M X and M T, with X and M X given
 * transposed (`width x rows`, so a panel of their columns is a contiguous run of rows),
 * `panel_i += X_iᵀ · ((M X)ᵀ_(≥ b_i))ᵀ` (GEMM with transB) and `cross_j += (Xᵀ)_j (M T)` for row
 * panels j of Xᵀ (CROSS_PANEL_ROWS); each sum
 * enters as the GEMM's C input. X and M X come transposed because MLAS runs these plain and transB
 * layouts clearly faster than `Xᵀ` through transA on row-major blocks (bench/RESULTS.md).
 */
function foldedBlocksModel(width: number, panelColumns: number, crossRows: number): Uint8Array {
  const double = OnnxDataType.DOUBLE;
  const bounds = panelBounds(width, panelColumns);
  const crossBounds = panelBounds(width, crossRows);
  const nodes: OnnxNode[] = [];
  const inputs: OnnxValueInfo[] = [{ name: "target", dataType: double, shape: ["rows", width] }];
  const outputs: OnnxValueInfo[] = [];
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    const height = bounds[i + 1]! - bounds[i]!;
    const columns = width - bounds[i]!;
    inputs.push(
      { name: `source_${i}`, dataType: double, shape: [height, "rows"] },
      { name: `weighted_${i}`, dataType: double, shape: [columns, "rows"] },
      { name: `panel_${i}_in`, dataType: double, shape: [height, columns] },
    );
    outputs.push({ name: `panel_${i}`, dataType: double, shape: [height, columns] });
    nodes.push({
      opType: "Gemm",
      inputs: [`source_${i}`, `weighted_${i}`, `panel_${i}_in`],
      outputs: [`panel_${i}`],
      name: `panel_${i}`,
      attributes: { transB: 1 },
    });
  }
  for (let j = 0; j + 1 < crossBounds.length; j += 1) {
    const height = crossBounds[j + 1]! - crossBounds[j]!;
    inputs.push({ name: `cross_source_${j}`, dataType: double, shape: [height, "rows"] }, { name: `cross_${j}_in`, dataType: double, shape: [height, width] });
    outputs.push({ name: `cross_${j}`, dataType: double, shape: [height, width] });
    nodes.push({ opType: "Gemm", inputs: [`cross_source_${j}`, "target", `cross_${j}_in`], outputs: [`cross_${j}`], name: `cross_${j}` });
  }
  return productModel(nodes, inputs, outputs);
}

/** `C − op(A)·op(B)` for the blocked Cholesky and substitutions: `plain` A·B, `transA` Aᵀ·B, `transB` A·Bᵀ. */
export type UpdateKind = "plain" | "transA" | "transB";

/** `result = c − op(a)·op(b)` in float64 (one Gemm with alpha −1, beta 1; symbolic sizes). */
function updateModel(kind: UpdateKind): Uint8Array {
  const double = OnnxDataType.DOUBLE;
  const attributes = { alpha: { float: -1 }, beta: { float: 1 }, ...(kind === "transA" ? { transA: 1 } : kind === "transB" ? { transB: 1 } : {}) };
  return productModel(
    [{ opType: "Gemm", inputs: ["a", "b", "c"], outputs: ["result"], name: "update", attributes }],
    [
      { name: "a", dataType: double, shape: ["a0", "a1"] },
      { name: "b", dataType: double, shape: ["b0", "b1"] },
      { name: "c", dataType: double, shape: ["m", "n"] },
    ],
    [{ name: "result", dataType: double, shape: ["m", "n"] }],
  );
}

/** `product = rows · map` (`rows x width` · `width x width`). */
function multiplyModel(dataType: DataType): Uint8Array {
  return productModel(
    [{ opType: "MatMul", inputs: ["rows", "map"], outputs: ["product"], name: "apply" }],
    [
      { name: "rows", dataType, shape: ["count", "width"] },
      { name: "map", dataType, shape: ["width", "width"] },
    ],
    [{ name: "product", dataType, shape: ["count", "width"] }],
  );
}

/** `product = rows · map` with `map` a float32 initializer (`width x width`, fixed for the session). */
function fixedMapModel(map: Float32Array, width: number): Uint8Array {
  const float = OnnxDataType.FLOAT;
  return encodeOnnxModel(
    {
      nodes: [{ opType: "MatMul", inputs: ["rows", "map"], outputs: ["product"], name: "apply" }],
      initializers: [{ name: "map", dataType: float, dims: [width, width], data: new Uint8Array(map.buffer, map.byteOffset, width * width * 4) }],
      inputs: [{ name: "rows", dataType: float, shape: ["count", width] }],
      outputs: [{ name: "product", dataType: float, shape: ["count", width] }],
      opsetVersion: OPSET,
      producerVersion: "graft-lep",
    },
    [{ kind: "inline" }],
  );
}

/** `rows · map` for one fixed map (see `DenseProducts.fixedMap`); `release` frees its session. */
export interface FixedMapProduct {
  multiply(rows: Float32Array, count: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * The dense products of LEP on ONNX Runtime's CPU kernels (MLAS GEMM, multi-threaded): the
 * normal-equation blocks in float64, and the map applied in float32 (for bf16/f16 outputs,
 * whose rounding is 2^15 times coarser than float32's) or float64 (for f32 outputs).
 */
export class DenseProducts {
  private constructor(
    readonly threads: number,
    private readonly normal: InferenceSession,
    private readonly multiply32: InferenceSession,
    private readonly multiply64: InferenceSession,
  ) {}

  /** Update sessions per kind (built on first use). */
  private readonly updates = new Map<UpdateKind, Promise<InferenceSession>>();

  /** Folded-fit sessions per width and panel size (built on first use). */
  private readonly folded = new Map<string, Promise<InferenceSession>>();

  /** Fixed-map sessions not yet released (released with the rest by `release`). */
  private readonly fixedMaps = new Set<Promise<InferenceSession>>();

  /** `threads`: intra-op threads (default: the cores Node may use). */
  static async open(threads = availableParallelism()): Promise<DenseProducts> {
    const count = Math.max(1, Math.floor(threads));
    const options = { threads: count };
    const [normal, multiply32, multiply64] = await Promise.all([
      createInferenceSession(normalBlocksModel(), options),
      createInferenceSession(multiplyModel(OnnxDataType.FLOAT), options),
      createInferenceSession(multiplyModel(OnnxDataType.DOUBLE), options),
    ]);
    return new DenseProducts(count, normal, multiply32, multiply64);
  }

  /**
   * `gram + SᵀS`, `cross + SᵀT` and `||T||²` for the first `rows` rows of row-major `source`,
   * `target` (width columns each); `gram`, `cross` are width x width and are not changed.
   */
  async normalBlocks(
    source: Float64Array,
    target: Float64Array,
    rows: number,
    width: number,
    sums: { gram: Float64Array; cross: Float64Array },
  ): Promise<{ gram: Float64Array; cross: Float64Array; squares: number }> {
    const values = rows * width;
    const result = await this.normal.run({
      source: float64Tensor(source.subarray(0, values), [rows, width]),
      target: float64Tensor(target.subarray(0, values), [rows, width]),
      gram_in: float64Tensor(sums.gram, [width, width]),
      cross_in: float64Tensor(sums.cross, [width, width]),
    });
    return { gram: result.gram!.data as Float64Array, cross: result.cross!.data as Float64Array, squares: (result.squares!.data as Float64Array)[0]! };
  }

  /**
   * Folds one block of `rows` base rows into the folded-fit sums (`sums` undefined: start from
   * zero) and returns the new sums: `sourceT` Xᵀ and `weightedT` (M X)ᵀ transposed
   * (`width x rows`, the first `width · rows` values), `target` M T row-major (`rows x width`).
   * See `accumulateFoldedFit` and `buildFoldedBlock`.
   */
  async foldedBlocks(
    sourceT: Float64Array,
    weightedT: Float64Array,
    target: Float64Array,
    rows: number,
    width: number,
    panelColumns: number,
    sums?: FoldedSums,
    crossRows = CROSS_PANEL_ROWS,
  ): Promise<FoldedSums> {
    const key = `${width}/${panelColumns}/${crossRows}`;
    let session = this.folded.get(key);
    if (!session) {
      session = createInferenceSession(foldedBlocksModel(width, panelColumns, crossRows), { threads: this.threads });
      this.folded.set(key, session);
    }
    const bounds = panelBounds(width, panelColumns);
    const panels = bounds.length - 1;
    const crossBounds = panelBounds(width, crossRows);
    const values = rows * width;
    // Panels of X's and M X's columns are row ranges of the transposed blocks: views, no copies.
    const feeds: Record<string, ReturnType<typeof float64Tensor>> = {
      target: float64Tensor(target.subarray(0, values), [rows, width]),
    };
    for (let j = 0; j + 1 < crossBounds.length; j += 1) {
      const height = crossBounds[j + 1]! - crossBounds[j]!;
      feeds[`cross_source_${j}`] = float64Tensor(sourceT.subarray(crossBounds[j]! * rows, crossBounds[j + 1]! * rows), [height, rows]);
      feeds[`cross_${j}_in`] = float64Tensor(sums?.cross[j] ?? new Float64Array(height * width), [height, width]);
    }
    for (let i = 0; i < panels; i += 1) {
      const height = bounds[i + 1]! - bounds[i]!;
      const columns = width - bounds[i]!;
      feeds[`source_${i}`] = float64Tensor(sourceT.subarray(bounds[i]! * rows, bounds[i + 1]! * rows), [height, rows]);
      feeds[`weighted_${i}`] = float64Tensor(weightedT.subarray(bounds[i]! * rows, values), [columns, rows]);
      feeds[`panel_${i}_in`] = float64Tensor(sums?.panels[i] ?? new Float64Array(height * columns), [height, columns]);
    }
    const result = await (await session).run(feeds);
    const next: Float64Array[] = [];
    for (let i = 0; i < panels; i += 1) next.push(result[`panel_${i}`]!.data as Float64Array);
    const cross = crossBounds.slice(1).map((_, j) => result[`cross_${j}`]!.data as Float64Array);
    return { panels: next, cross };
  }

  /** Writes folded sums into `gram` (its upper triangle and diagonal blocks; the rest is left as is) and `cross` (d x d row-major). */
  foldedInto(sums: FoldedSums, width: number, panelColumns: number, gram: Float64Array, cross: Float64Array): void {
    const bounds = panelBounds(width, panelColumns);
    for (let i = 0; i + 1 < bounds.length; i += 1) {
      const panel = sums.panels[i]!;
      const columns = width - bounds[i]!;
      for (let row = bounds[i]!; row < bounds[i + 1]!; row += 1) {
        const at = (row - bounds[i]!) * columns;
        gram.set(panel.subarray(at, at + columns), row * width + bounds[i]!);
      }
    }
    let at = 0;
    for (const panel of sums.cross) {
      cross.set(panel, at);
      at += panel.length;
    }
  }

  /**
   * `c − op(a)·op(b)` in float64: `a` is `aShape` (rows x columns, row-major) before `op`, `b` is
   * `bShape`, `c` is the result's shape; `c` is not changed.
   */
  async update(kind: UpdateKind, a: Float64Array, aShape: [number, number], b: Float64Array, bShape: [number, number], c: Float64Array): Promise<Float64Array> {
    let session = this.updates.get(kind);
    if (!session) {
      session = createInferenceSession(updateModel(kind), { threads: this.threads });
      this.updates.set(kind, session);
    }
    const rows = kind === "transA" ? aShape[1] : aShape[0];
    const columns = kind === "transB" ? bShape[0] : bShape[1];
    // Views into larger buffers are fine (the blocked solve passes row ranges; its tests cover them).
    const result = await (await session).run({ a: float64Tensor(a, aShape), b: float64Tensor(b, bShape), c: float64Tensor(c, [rows, columns]) });
    return result.result!.data as Float64Array;
  }

  /** `rows · map` for `count` row-major rows; float32 operands give a float32 product, float64 a float64 one. */
  async multiply<T extends Float32Array | Float64Array>(rows: T, count: number, map: T, width: number): Promise<T> {
    const block = rows.subarray(0, count * width);
    const result =
      block instanceof Float64Array
        ? await this.multiply64.run({ rows: float64Tensor(block, [count, width]), map: float64Tensor(map as Float64Array, [width, width]) })
        : await this.multiply32.run({ rows: float32Tensor(block, [count, width]), map: float32Tensor(map as Float32Array, [width, width]) });
    return result.product!.data as T;
  }

  /**
   * `rows · map` in float32 for a map fixed for many calls: the map is the session's constant
   * initializer, which ONNX Runtime's MatMul packs for MLAS once at session creation instead of
   * on every call, so the many calls of one apply do not repack it (bench/RESULTS.md).
   * Costs the map twice (its float32 copy and the packed one) until `release`.
   */
  fixedMap(map: Float32Array, width: number): FixedMapProduct {
    if (map.length < width * width) throw new RangeError(`DenseProducts.fixedMap: a ${width} x ${width} map needs ${width * width} values, got ${map.length}`);
    const session = createInferenceSession(fixedMapModel(map, width), { threads: this.threads });
    this.fixedMaps.add(session);
    return {
      multiply: async (rows, count) => {
        const result = await (await session).run({ rows: float32Tensor(rows.subarray(0, count * width), [count, width]) });
        return result.product!.data as Float32Array;
      },
      release: async () => {
        if (!this.fixedMaps.delete(session)) return;
        await (await session).release();
      },
    };
  }

  async release(): Promise<void> {
    const fixed = await Promise.all(this.fixedMaps);
    this.fixedMaps.clear();
    await Promise.all(fixed.map((session) => session.release()));
    const folded = await Promise.all([...this.folded.values(), ...this.updates.values()]);
    this.folded.clear();
    this.updates.clear();
    await Promise.all([this.normal.release(), this.multiply32.release(), this.multiply64.release(), ...folded.map((session) => session.release())]);
  }
}

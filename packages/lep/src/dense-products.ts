import { availableParallelism } from "node:os";
import { createInferenceSession, encodeOnnxModel, float32Tensor, float64Tensor, type InferenceSession, type OnnxNode, OnnxDataType, type OnnxValueInfo } from "@graft/eval";

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
  async normalBlocks(source: Float64Array, target: Float64Array, rows: number, width: number, sums: { gram: Float64Array; cross: Float64Array }): Promise<{ gram: Float64Array; cross: Float64Array; squares: number }> {
    const values = rows * width;
    const result = await this.normal.run({
      source: float64Tensor(source.subarray(0, values), [rows, width]),
      target: float64Tensor(target.subarray(0, values), [rows, width]),
      gram_in: float64Tensor(sums.gram, [width, width]),
      cross_in: float64Tensor(sums.cross, [width, width]),
    });
    return { gram: result.gram!.data as Float64Array, cross: result.cross!.data as Float64Array, squares: (result.squares!.data as Float64Array)[0]! };
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

  async release(): Promise<void> {
    await Promise.all([this.normal.release(), this.multiply32.release(), this.multiply64.release()]);
  }
}

import type { DenseProducts } from "./dense-products.js";
import { ProductPool, sharedFloat64Array } from "./product-pool.js";
import { transposeSquare } from "./transpose-square.js";

/** Rows multiplied per kernel call: enough rows to split across threads, few enough to stay in cache. */
export const APPLY_BLOCK_ROWS = 128;

const SINGLE_THREAD = new ProductPool(1);

/**
 * A map P prepared for application: `apply(rows)` returns rows · P (float64 accumulation,
 * float32 result) for a row-major block of any size, working APPLY_BLOCK_ROWS rows at a time.
 */
export class MapApplier {
  readonly width: number;
  private readonly mapColumns: Float64Array;
  private readonly rowBuffer: Float64Array;
  private readonly productBuffer: Float64Array;
  private readonly pool: ProductPool;

  /** `pool`: threads for the products (default: the calling thread only). */
  constructor(map: Float64Array, width: number, pool: ProductPool = SINGLE_THREAD) {
    this.width = width;
    this.pool = pool;
    this.mapColumns = sharedFloat64Array(width * width);
    this.mapColumns.set(transposeSquare(map, width));
    this.rowBuffer = sharedFloat64Array(APPLY_BLOCK_ROWS * width);
    this.productBuffer = sharedFloat64Array(APPLY_BLOCK_ROWS * width);
  }

  apply(rows: Float32Array | Float64Array, output: Float32Array = new Float32Array(rows.length)): Float32Array {
    const width = this.width;
    const count = rows.length / width;
    if (!Number.isInteger(count)) throw new RangeError(`MapApplier.apply: ${rows.length} values are not whole rows of width ${width}`);
    for (let start = 0; start < count; start += APPLY_BLOCK_ROWS) {
      const blockRows = Math.min(APPLY_BLOCK_ROWS, count - start);
      const values = blockRows * width;
      this.rowBuffer.set(rows.subarray(start * width, start * width + values));
      this.productBuffer.fill(0, 0, values);
      this.pool.accumulate(this.rowBuffer, this.mapColumns, width, blockRows, width, this.productBuffer, width, false);
      for (let index = 0; index < values; index += 1) output[start * width + index] = this.productBuffer[index];
    }
    return output;
  }
}

/**
 * Rows per ONNX Runtime call of the float32 apply: short calls keep each call's output, copied
 * back into JavaScript, in cache. 512 rows was the fastest call at d = 4,096 and as fast as 1,024
 * at d = 1,024; taller calls are slower (bench/RESULTS.md).
 */
export const APPLY_GEMM_ROWS = 512;

/** A map applied block by block (`apply` may reuse its result buffer); `release` frees what it holds. */
export interface MapApplication {
  apply(rows: Float32Array, count: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * `rows · P` on ONNX Runtime: in float64 (rounded once to float32) when the output is F32, in
 * float32 when it is BF16 or F16, whose rounding (2^-8, 2^-11) is far coarser than float32
 * accumulation's error: APPLY_GEMM_ROWS rows a call, P a constant of its own session (packed for
 * MLAS once, see `DenseProducts.fixedMap`), into one reused buffer (the array `apply` returns is
 * overwritten by the next call). `count` row-major float32 rows a call.
 */
export function denseMapApplication(
  products: DenseProducts,
  map: Float64Array,
  width: number,
  outputDtype: "F32" | "F16" | "BF16",
  gemmRows = APPLY_GEMM_ROWS,
): MapApplication {
  if (outputDtype === "F32") {
    return {
      apply: async (rows, count) => Float32Array.from(await products.multiply(Float64Array.from(rows.subarray(0, count * width)), count, map, width)),
      release: async () => {},
    };
  }
  const fixed = products.fixedMap(Float32Array.from(map), width);
  let output = new Float32Array(0);
  return {
    apply: async (rows, count) => {
      if (output.length < count * width) output = new Float32Array(count * width);
      for (let start = 0; start < count; start += gemmRows) {
        const block = Math.min(gemmRows, count - start);
        output.set(await fixed.multiply(rows.subarray(start * width, (start + block) * width), block), start * width);
      }
      return output.subarray(0, count * width);
    },
    release: () => fixed.release(),
  };
}

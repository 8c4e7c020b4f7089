import type { DenseProducts } from "./dense-products.js";
import { transposeInto } from "./gram-kernels.js";
import { ProductPool, sharedFloat64Array } from "./product-pool.js";

/**
 * Rows per accumulation block: the kernel streams 8 columns of this many float64 values at a
 * time (16 KiB), which stays in a 32 KiB L1 cache.
 */
export const NORMAL_EQUATIONS_BLOCK_ROWS = 256;

const SINGLE_THREAD = new ProductPool(1);

/**
 * The normal equations of `min_P ||X P - Y||_F` (X, Y: n x d), accumulated in float64 over row
 * blocks: `gram = XᵀX`, `cross = XᵀY`, `targetSquaredNorm = ||Y||²_F`. Only a block of rows is
 * ever held (as two d x 256 float64 buffers), never the n x d operands.
 */
export class NormalEquations {
  readonly width: number;
  /** XᵀX, row-major; only the upper triangle (j >= i) is accumulated until `symmetricGram()`. */
  readonly gram: Float64Array;
  /** XᵀY, row-major d x d (row = source dimension, column = target dimension). */
  readonly cross: Float64Array;
  targetSquaredNorm = 0;
  rows = 0;
  private readonly sourceColumns: Float64Array;
  private readonly targetColumns: Float64Array;
  private readonly pool: ProductPool;

  /** `pool`: threads for the products (default: the calling thread only). */
  constructor(width: number, pool: ProductPool = SINGLE_THREAD) {
    if (!Number.isInteger(width) || width <= 0) throw new RangeError(`NormalEquations: width must be a positive integer, got ${width}`);
    this.width = width;
    this.pool = pool;
    // Shared only where worker threads need them (ONNX Runtime takes no SharedArrayBuffer).
    const allocate = pool.threads > 1 ? sharedFloat64Array : (length: number) => new Float64Array(length);
    this.gram = allocate(width * width);
    this.cross = allocate(width * width);
    this.sourceColumns = sharedFloat64Array(width * NORMAL_EQUATIONS_BLOCK_ROWS);
    this.targetColumns = sharedFloat64Array(width * NORMAL_EQUATIONS_BLOCK_ROWS);
  }

  /** Adds `rows` rows of X (`source`) and Y (`target`), both row-major `rows x width`. */
  addRows(source: Float32Array | Float64Array, target: Float32Array | Float64Array, rows: number): void {
    const width = this.width;
    if (source.length < rows * width || target.length < rows * width) {
      throw new RangeError(`NormalEquations.addRows: ${rows} rows of width ${width} need ${rows * width} values, got ${source.length} and ${target.length}`);
    }
    for (let start = 0; start < rows; start += NORMAL_EQUATIONS_BLOCK_ROWS) {
      const count = Math.min(NORMAL_EQUATIONS_BLOCK_ROWS, rows - start);
      const sourceBlock = source.subarray(start * width, (start + count) * width);
      const targetBlock = target.subarray(start * width, (start + count) * width);
      transposeInto(sourceBlock, count, width, this.sourceColumns);
      transposeInto(targetBlock, count, width, this.targetColumns);
      this.pool.accumulate(this.sourceColumns, this.sourceColumns, count, width, width, this.gram, width, true);
      this.pool.accumulate(this.sourceColumns, this.targetColumns, count, width, width, this.cross, width, false);
      let squares = 0;
      for (let index = 0; index < targetBlock.length; index += 1) squares += targetBlock[index] * targetBlock[index];
      this.targetSquaredNorm += squares;
    }
    this.rows += rows;
  }

  /**
   * Adds `rows` rows like `addRows`, with the block products computed by ONNX Runtime (float64
   * GEMM): the whole of XᵀX is accumulated, and `symmetricGram()` keeps its upper triangle.
   */
  async addRowsWith(products: DenseProducts, source: Float64Array, target: Float64Array, rows: number): Promise<void> {
    const width = this.width;
    if (source.length < rows * width || target.length < rows * width) {
      throw new RangeError(
        `NormalEquations.addRowsWith: ${rows} rows of width ${width} need ${rows * width} values, got ${source.length} and ${target.length}`,
      );
    }
    if (rows === 0) return;
    const sums = await products.normalBlocks(source, target, rows, width, this);
    this.gram.set(sums.gram);
    this.cross.set(sums.cross);
    this.targetSquaredNorm += sums.squares;
    this.rows += rows;
  }

  /** XᵀX as a full symmetric matrix (the upper triangle mirrored; a new array). */
  symmetricGram(): Float64Array {
    const width = this.width;
    const full = new Float64Array(this.gram);
    for (let i = 0; i < width; i += 1) {
      for (let j = i + 1; j < width; j += 1) full[j * width + i] = full[i * width + j];
    }
    return full;
  }
}

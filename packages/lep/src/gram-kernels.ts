/**
 * Dense float64 kernels of the normal equations, written for V8: operands are blocks stored
 * column by column (`columns x rows`, each column contiguous), so every inner loop is a dot
 * product over contiguous memory with a 4 x 4 register tile (16 accumulators, 8 loads per
 * 16 multiply-adds).
 */

/** Rows x columns row-major `source` (float32 or float64) into columns x rows `target` (float64). */
export function transposeInto(source: Float32Array | Float64Array, rows: number, columns: number, target: Float64Array): void {
  if (target.length < rows * columns) throw new RangeError(`transposeInto: target holds ${target.length} values, needs ${rows * columns}`);
  const tile = 32;
  for (let rowStart = 0; rowStart < rows; rowStart += tile) {
    const rowEnd = Math.min(rows, rowStart + tile);
    for (let columnStart = 0; columnStart < columns; columnStart += tile) {
      const columnEnd = Math.min(columns, columnStart + tile);
      for (let row = rowStart; row < rowEnd; row += 1) {
        const offset = row * columns;
        for (let column = columnStart; column < columnEnd; column += 1) target[column * rows + row] = source[offset + column];
      }
    }
  }
}

/**
 * `product[i * width + j] += Σ_r left[i * rows + r] * right[j * rows + r]` for `i` in
 * `[leftStart, leftEnd)`, `j` in `[0, rightCount)` (or `j >= i` when `upperOnly`): the
 * columns-major blocks' transposed product `Lᵀ R`, accumulated into a `width`-wide matrix.
 */
export function accumulateTransposedProduct(
  left: Float64Array,
  right: Float64Array,
  rows: number,
  leftStart: number,
  leftEnd: number,
  rightCount: number,
  product: Float64Array,
  width: number,
  upperOnly: boolean,
): void {
  let i = leftStart;
  for (; i + 4 <= leftEnd; i += 4) {
    const a0 = i * rows;
    const a1 = a0 + rows;
    const a2 = a1 + rows;
    const a3 = a2 + rows;
    let j = upperOnly ? i : 0;
    for (; j + 4 <= rightCount; j += 4) {
      const b0 = j * rows;
      const b1 = b0 + rows;
      const b2 = b1 + rows;
      const b3 = b2 + rows;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0;
      let s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      let s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0;
      let s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0;
      for (let r = 0; r < rows; r += 1) {
        const x0 = left[a0 + r];
        const x1 = left[a1 + r];
        const x2 = left[a2 + r];
        const x3 = left[a3 + r];
        const y0 = right[b0 + r];
        const y1 = right[b1 + r];
        const y2 = right[b2 + r];
        const y3 = right[b3 + r];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s22 += x2 * y2;
        s23 += x2 * y3;
        s30 += x3 * y0;
        s31 += x3 * y1;
        s32 += x3 * y2;
        s33 += x3 * y3;
      }
      let p = i * width + j;
      product[p] += s00;
      product[p + 1] += s01;
      product[p + 2] += s02;
      product[p + 3] += s03;
      p += width;
      product[p] += s10;
      product[p + 1] += s11;
      product[p + 2] += s12;
      product[p + 3] += s13;
      p += width;
      product[p] += s20;
      product[p + 1] += s21;
      product[p + 2] += s22;
      product[p + 3] += s23;
      p += width;
      product[p] += s30;
      product[p + 1] += s31;
      product[p + 2] += s32;
      product[p + 3] += s33;
    }
    for (; j < rightCount; j += 1) {
      const b = j * rows;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let r = 0; r < rows; r += 1) {
        const y = right[b + r];
        s0 += left[a0 + r] * y;
        s1 += left[a1 + r] * y;
        s2 += left[a2 + r] * y;
        s3 += left[a3 + r] * y;
      }
      product[i * width + j] += s0;
      product[(i + 1) * width + j] += s1;
      product[(i + 2) * width + j] += s2;
      product[(i + 3) * width + j] += s3;
    }
  }
  for (; i < leftEnd; i += 1) {
    const a = i * rows;
    for (let j = upperOnly ? i : 0; j < rightCount; j += 1) {
      const b = j * rows;
      let sum = 0;
      for (let r = 0; r < rows; r += 1) sum += left[a + r] * right[b + r];
      product[i * width + j] += sum;
    }
  }
}

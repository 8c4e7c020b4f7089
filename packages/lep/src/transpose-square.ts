/** The transpose of a row-major `width x width` matrix (a new array). */
export function transposeSquare(matrix: Float64Array, width: number): Float64Array {
  const result = new Float64Array(width * width);
  for (let i = 0; i < width; i += 1) {
    for (let j = 0; j < width; j += 1) result[j * width + i] = matrix[i * width + j];
  }
  return result;
}

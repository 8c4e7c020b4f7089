/**
 * `target` (`columns x rows`, row-major) = the transpose of the first `rows x columns` values of
 * `source` (row-major). Eight source rows at a time, so every write fills a cache line of
 * `target` while the eight rows being read stay in cache (3-4 ns a value here, against 7-9 for a
 * tiled loop over the power-of-two strides of a block).
 */
export function transposeRowsTo(source: Float64Array, rows: number, columns: number, target: Float64Array): void {
  let row = 0;
  for (; row + 8 <= rows; row += 8) {
    const r0 = row * columns;
    const r1 = r0 + columns;
    const r2 = r1 + columns;
    const r3 = r2 + columns;
    const r4 = r3 + columns;
    const r5 = r4 + columns;
    const r6 = r5 + columns;
    const r7 = r6 + columns;
    for (let column = 0; column < columns; column += 1) {
      const at = column * rows + row;
      target[at] = source[r0 + column];
      target[at + 1] = source[r1 + column];
      target[at + 2] = source[r2 + column];
      target[at + 3] = source[r3 + column];
      target[at + 4] = source[r4 + column];
      target[at + 5] = source[r5 + column];
      target[at + 6] = source[r6 + column];
      target[at + 7] = source[r7 + column];
    }
  }
  for (; row < rows; row += 1) {
    for (let column = 0; column < columns; column += 1) target[column * rows + row] = source[row * columns + column];
  }
}

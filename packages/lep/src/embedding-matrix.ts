import { bf16ToFloat32Array, type ShardedSafetensorsReader, type Tensor, toFloat32 } from "@graft/safetensors";

let bf16Table: Float64Array | undefined;

/** The value of every bf16 bit pattern as float64 (512 KiB, built once): widening is one lookup. */
function bf16Values(): Float64Array {
  if (!bf16Table) {
    const bits = new Uint32Array(65536);
    for (let pattern = 0; pattern < 65536; pattern += 1) bits[pattern] = pattern << 16;
    bf16Table = Float64Array.from(new Float32Array(bits.buffer));
  }
  return bf16Table;
}

/**
 * An embedding matrix held in its stored form (bf16 stays 2 bytes per value, so a Llama-3
 * `embed_tokens` costs 1 GiB, not 2 or 4) with rows widened on demand: added into float64 sums
 * (bf16 through a 64 Ki-entry table) or a block at a time into float64 rows.
 */
export class EmbeddingMatrix {
  readonly rows: number;
  readonly width: number;
  readonly dtype: Tensor["dtype"];
  private readonly bf16?: Uint16Array;
  private readonly float32?: Float32Array;

  constructor(tensor: Tensor) {
    if (tensor.shape.length !== 2) throw new RangeError(`EmbeddingMatrix: expected a 2-d tensor, got shape ${JSON.stringify(tensor.shape)}`);
    [this.rows, this.width] = tensor.shape;
    this.dtype = tensor.dtype;
    if (tensor.dtype === "BF16") {
      const data = tensor.data.byteOffset % 2 === 0 ? tensor.data : new Uint8Array(tensor.data);
      this.bf16 = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
    } else {
      this.float32 = toFloat32(tensor);
    }
  }

  /**
   * Reads tensor `name`. With `reuse` (a bf16 matrix of the same byte size that is no longer
   * needed), its memory is read over instead of allocating another: the fit of a second module
   * then does not hold both modules' matrices while the first ones wait for collection (2 GiB at
   * Llama-3-8B shapes). `reuse` must not be used afterwards.
   */
  static async read(reader: ShardedSafetensorsReader, name: string, reuse?: EmbeddingMatrix): Promise<EmbeddingMatrix> {
    const info = await reader.info(name);
    if (reuse?.bf16 && info.dtype === "BF16" && info.shape.length === 2 && reuse.bf16.byteLength === info.byteLength) {
      const bytes = new Uint8Array(reuse.bf16.buffer, reuse.bf16.byteOffset, reuse.bf16.byteLength);
      await (await reader.fileReader(name)).readRowsInto(name, 0, info.shape[0], bytes);
      return new EmbeddingMatrix({ dtype: "BF16", shape: info.shape, data: bytes });
    }
    return new EmbeddingMatrix(await reader.readTensor(name));
  }

  /**
   * Rows `[start, start + count)` as float32 (row-major): widened into `scratch` for bf16 (exact),
   * a view of the stored values for f32 (no copy; do not write to it).
   */
  rowsAsFloat32(start: number, count: number, scratch: Float32Array): Float32Array {
    const values = count * this.width;
    if (this.bf16) {
      const bytes = new Uint8Array(this.bf16.buffer, this.bf16.byteOffset + start * this.width * 2, values * 2);
      return bf16ToFloat32Array(bytes, scratch.subarray(0, values));
    }
    return (this.float32 as Float32Array).subarray(start * this.width, start * this.width + values);
  }

  /** `target[offset + k] += scale · row[k]`. */
  addRowTo(row: number, target: Float64Array, offset: number, scale = 1): void {
    const width = this.width;
    const start = row * width;
    if (this.bf16) {
      const values = this.bf16;
      const table = bf16Values();
      for (let column = 0; column < width; column += 1) target[offset + column] += scale * table[values[start + column]];
    } else {
      const values = this.float32 as Float32Array;
      for (let column = 0; column < width; column += 1) target[offset + column] += scale * values[start + column];
    }
  }

  /** Mean of rows `[0, count)`, accumulated in float64. */
  meanOfRows(count = this.rows): Float64Array {
    const sum = new Float64Array(this.width);
    for (let row = 0; row < count; row += 1) this.addRowTo(row, sum, 0);
    for (let column = 0; column < this.width; column += 1) sum[column] /= count;
    return sum;
  }
}

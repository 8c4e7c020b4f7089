/** Element types of the safetensors format, with their byte sizes. */
export const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
} as const;

export type Dtype = keyof typeof DTYPE_BYTES;

export const DTYPES = Object.keys(DTYPE_BYTES) as Dtype[];

export function isDtype(value: unknown): value is Dtype {
  return typeof value === "string" && Object.hasOwn(DTYPE_BYTES, value);
}

export function dtypeBytes(dtype: Dtype): number {
  return DTYPE_BYTES[dtype];
}

/** A tensor as raw little-endian bytes; `toFloat32`/typed views interpret them. */
export interface Tensor {
  dtype: Dtype;
  shape: number[];
  data: Uint8Array;
}

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const size of shape) count *= size;
  return count;
}

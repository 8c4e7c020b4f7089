/** A GGML tensor type: its id in the file, and how many elements one block of how many bytes holds. */
export interface GgmlType {
  id: number;
  name: string;
  blockSize: number;
  blockBytes: number;
}

const QK_K = 256;

/** Every type the GGUF format defines, so any file's tensors can be laid out; fewer dequantize. */
const TYPES: GgmlType[] = [
  { id: 0, name: "F32", blockSize: 1, blockBytes: 4 },
  { id: 1, name: "F16", blockSize: 1, blockBytes: 2 },
  { id: 2, name: "Q4_0", blockSize: 32, blockBytes: 2 + 16 },
  { id: 3, name: "Q4_1", blockSize: 32, blockBytes: 2 + 2 + 16 },
  { id: 6, name: "Q5_0", blockSize: 32, blockBytes: 2 + 4 + 16 },
  { id: 7, name: "Q5_1", blockSize: 32, blockBytes: 2 + 2 + 4 + 16 },
  { id: 8, name: "Q8_0", blockSize: 32, blockBytes: 2 + 32 },
  { id: 9, name: "Q8_1", blockSize: 32, blockBytes: 4 + 4 + 32 },
  { id: 10, name: "Q2_K", blockSize: QK_K, blockBytes: 2 + 2 + QK_K / 16 + QK_K / 4 },
  { id: 11, name: "Q3_K", blockSize: QK_K, blockBytes: 2 + QK_K / 4 + QK_K / 8 + 12 },
  { id: 12, name: "Q4_K", blockSize: QK_K, blockBytes: 2 + 2 + QK_K / 2 + 12 },
  { id: 13, name: "Q5_K", blockSize: QK_K, blockBytes: 2 + 2 + QK_K / 2 + QK_K / 8 + 12 },
  { id: 14, name: "Q6_K", blockSize: QK_K, blockBytes: 2 + QK_K / 2 + QK_K / 4 + QK_K / 16 },
  { id: 15, name: "Q8_K", blockSize: QK_K, blockBytes: 4 + QK_K + QK_K / 8 },
  { id: 16, name: "IQ2_XXS", blockSize: QK_K, blockBytes: 2 + QK_K / 4 },
  { id: 17, name: "IQ2_XS", blockSize: QK_K, blockBytes: 2 + QK_K / 4 + QK_K / 32 },
  { id: 18, name: "IQ3_XXS", blockSize: QK_K, blockBytes: 2 + QK_K / 4 + QK_K / 8 },
  { id: 19, name: "IQ1_S", blockSize: QK_K, blockBytes: 2 + QK_K / 8 + QK_K / 16 },
  { id: 20, name: "IQ4_NL", blockSize: 32, blockBytes: 2 + 16 },
  { id: 21, name: "IQ3_S", blockSize: QK_K, blockBytes: 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4 },
  { id: 22, name: "IQ2_S", blockSize: QK_K, blockBytes: 2 + QK_K / 4 + QK_K / 16 },
  { id: 23, name: "IQ4_XS", blockSize: QK_K, blockBytes: 2 + 2 + QK_K / 2 + QK_K / 64 },
  { id: 24, name: "I8", blockSize: 1, blockBytes: 1 },
  { id: 25, name: "I16", blockSize: 1, blockBytes: 2 },
  { id: 26, name: "I32", blockSize: 1, blockBytes: 4 },
  { id: 27, name: "I64", blockSize: 1, blockBytes: 8 },
  { id: 28, name: "F64", blockSize: 1, blockBytes: 8 },
  { id: 29, name: "IQ1_M", blockSize: QK_K, blockBytes: QK_K / 8 + QK_K / 16 + QK_K / 32 },
  { id: 30, name: "BF16", blockSize: 1, blockBytes: 2 },
  { id: 34, name: "TQ1_0", blockSize: QK_K, blockBytes: 2 + 4 * 13 },
  { id: 35, name: "TQ2_0", blockSize: QK_K, blockBytes: 2 + 64 },
  { id: 39, name: "MXFP4", blockSize: 32, blockBytes: 1 + 16 },
  { id: 40, name: "NVFP4", blockSize: 64, blockBytes: 4 + 32 },
  { id: 41, name: "Q1_0", blockSize: 128, blockBytes: 2 + 16 },
];

const BY_ID = new Map(TYPES.map((type) => [type.id, type]));

/** The type with this id, or undefined for an id the format does not define. */
export function ggmlType(id: number): GgmlType | undefined {
  return BY_ID.get(id);
}

/** The GGML type names graft dequantizes to float32. */
export const DEQUANTIZABLE_TYPES = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"] as const;

export type DequantizableType = (typeof DEQUANTIZABLE_TYPES)[number];

export function isDequantizable(name: string): name is DequantizableType {
  return (DEQUANTIZABLE_TYPES as readonly string[]).includes(name);
}

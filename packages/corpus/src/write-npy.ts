import { writeFile } from "node:fs/promises";

const DESCRIPTORS = { uint32: "<u4", uint8: "|u1" } as const;

/**
 * Writes a 2-D array as a NumPy `.npy` file (format 1.0, C order, little-endian), which
 * `numpy.load(path, mmap_mode="r")` maps without copying. The header is padded so the data
 * starts on a 64-byte boundary, as NumPy itself writes it.
 */
export async function writeNpy(path: string, data: Uint32Array | Uint8Array, shape: [number, number]): Promise<void> {
  await writeFile(path, encodeNpy(data, shape));
}

/** The bytes of a `.npy` file holding `data` (see `writeNpy`). */
export function encodeNpy(data: Uint32Array | Uint8Array, shape: [number, number]): Buffer {
  const kind = data instanceof Uint32Array ? "uint32" : "uint8";
  let header = `{'descr': '${DESCRIPTORS[kind]}', 'fortran_order': False, 'shape': (${shape[0]}, ${shape[1]}), }`;
  const unpadded = 10 + header.length + 1;
  header += `${" ".repeat((64 - (unpadded % 64)) % 64)}\n`;
  const prefix = Buffer.alloc(10);
  prefix.write("\x93NUMPY", 0, "latin1");
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([prefix, Buffer.from(header, "latin1"), body]);
}

import type { readSync } from "node:fs";
import { runInThisContext } from "node:vm";

/** What one thread needs to take part in reading a tensor as f32. */
export interface WidenPiecesTask {
  /** An open descriptor of the file holding the tensor. */
  fd: number;
  /** The result (f32 values from byte 0). */
  result: SharedArrayBuffer;
  /** The SIMD kernel `widen(source, target, groups)` on the WebAssembly memory that is `result` or `staging` (BF16 only). */
  widen?: (source: number, target: number, groups: number) => void;
  /** WebAssembly memory of at least 4 x `piece` bytes where BF16 pieces are widened before being copied into `result`; absent when they are widened in place in it. */
  staging?: SharedArrayBuffer;
  /** Shared counter: `control[0]` is the next piece to claim. */
  control: Int32Array;
  /** Elements per piece. */
  piece: number;
  elements: number;
  /** The tensor's byte offset in the file. */
  position: number;
  dtype: "BF16" | "F32";
}

/**
 * The loop every reading thread runs, as source text: the workers evaluate it (they are started
 * from a string, so the package needs no second entry file) and so does this thread, which then
 * runs the very same code. Pieces are claimed from a shared counter until none are left, so a
 * thread that starts late or runs slow simply claims fewer. F32 pieces are read straight into
 * their place. BF16 pieces are read into the upper half of their place (in the result, or in
 * `staging`) and widened there in place, front to back, by the SIMD kernel, which reads each
 * group of 8 values before it writes them. Returns -1, or the file offset where it ended early
 * (after telling the other threads to stop claiming).
 */
export const WIDEN_PIECES_SOURCE = `(function widenPieces(readSync, { fd, result, widen, staging, control, piece, elements, position, dtype }) {
  const sourceBytes = dtype === "BF16" ? 2 : 4;
  const target = staging ?? result;
  for (;;) {
    const c = Atomics.add(control, 0, 1) * piece;
    if (c >= elements) return -1;
    const count = Math.min(elements, c + piece) - c;
    const length = sourceBytes * count;
    // The piece's place for its f32 values (views per piece: a typed array spans at most 4 GiB).
    const base = staging ? 0 : 4 * c;
    const place = new Uint8Array(target, base, 4 * count);
    const at = dtype === "BF16" ? 2 * count : 0;
    for (let done = 0; done < length; ) {
      const read = readSync(fd, place, at + done, length - done, position + sourceBytes * c + done);
      if (read === 0) {
        Atomics.store(control, 0, 0x3fffffff);
        return position + sourceBytes * c + done;
      }
      done += read;
    }
    if (dtype === "BF16") {
      const groups = count >>> 3;
      widen(base + at, base, groups);
      if (groups * 8 < count) {
        const halves = new Uint16Array(target, base + at + 16 * groups, count - groups * 8);
        const words = new Uint32Array(target, base + 32 * groups, count - groups * 8);
        for (let i = 0; i < halves.length; i += 1) words[i] = halves[i] << 16;
      }
      if (staging) new Uint8Array(result, 4 * c, 4 * count).set(place);
    }
  }
})`;

/** This thread's copy of the loop in WIDEN_PIECES_SOURCE. */
export const widenPieces = runInThisContext(WIDEN_PIECES_SOURCE, { filename: "widen-pieces.js" }) as (read: typeof readSync, task: WidenPiecesTask) => number;

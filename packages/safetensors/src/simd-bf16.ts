import { bf16NarrowModule } from "./bf16-narrow-module.js";
import { wasm } from "./bf16-widen-module.js";

/** Values per kernel call: the staging area is SIMD_CHUNK_VALUES x 6 bytes of WebAssembly memory. */
export const SIMD_CHUNK_VALUES = 1 << 20;
/** Below this many values the scalar loop is used (a choice, not measured: staging a short array is not worth a kernel call). */
export const SIMD_MIN_VALUES = 4096;

type Kernel = (source: number, target: number, groups: number) => void;

interface Kernels {
  narrow: Kernel;
  buffer: SharedArrayBuffer;
}

let kernels: Kernels | null | undefined;

/** The kernel on its staging memory (f32 at 0, bf16 after it), or null without WebAssembly SIMD. */
function simdKernels(): Kernels | null {
  if (kernels !== undefined) return kernels;
  try {
    const pages = Math.ceil((SIMD_CHUNK_VALUES * 6) / 65536);
    // Shared: the narrowing module declares its memory import shared, as the widen module does.
    const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    const imports = { env: { memory } };
    kernels = {
      narrow: new wasm.Instance(bf16NarrowModule(), imports).exports.narrow as Kernel,
      buffer: memory.buffer,
    };
  } catch {
    kernels = null;
  }
  return kernels;
}

/**
 * f32 -> bf16 bits for the first `length - length % 8` values with the WebAssembly SIMD kernel
 * (staged through its memory a chunk at a time); returns how many were done (0 without SIMD).
 */
export function narrowBf16Simd(values: Float32Array, out: Uint16Array): number {
  const simd = simdKernels();
  if (!simd) return 0;
  const stagedValues = new Float32Array(simd.buffer, 0, SIMD_CHUNK_VALUES);
  const stagedBits = new Uint16Array(simd.buffer, SIMD_CHUNK_VALUES * 4, SIMD_CHUNK_VALUES);
  const done = values.length - (values.length % 8);
  for (let start = 0; start < done; start += SIMD_CHUNK_VALUES) {
    const count = Math.min(SIMD_CHUNK_VALUES, done - start);
    stagedValues.set(values.subarray(start, start + count));
    simd.narrow(0, SIMD_CHUNK_VALUES * 4, count / 8);
    out.set(stagedBits.subarray(0, count), start);
  }
  return done;
}

import { closeSync, openSync, readSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { bf16WidenModule, type SharedWasmMemory, wasm } from "./bf16-widen-module.js";
import { garbageCollector } from "./collect-garbage.js";
import { ReadRangeError } from "./read-range-error.js";
import { WIDEN_PIECES_SOURCE, widenPieces } from "./widen-pieces.js";

/** Elements per piece of work: a piece's bf16 and f32 fit a core's L2 cache together. */
const PIECE_ELEMENTS = 1 << 16;

/**
 * The workers' code (a CommonJS script run with `eval`, so the package needs no second entry
 * file): each task runs the shared piece loop on the result. A BF16 result that is WebAssembly
 * memory (`memory`) is widened in place in it; otherwise BF16 pieces go through the worker's own
 * scratch memory.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { openSync, readSync, closeSync } = require("node:fs");
const widenPieces = ${WIDEN_PIECES_SOURCE};
let scratch, scratchWiden, widenModule, idle;
// This worker's wrappers of a finished result keep it alive until a collection here: one runs
// when the main thread asks (after its own) and after 100 ms without work.
const collect = require("node:vm").runInNewContext("typeof gc === 'function' ? gc : undefined");
parentPort.on("message", ({ id, collectNow, module, memory, result, path, position, dtype, elements, piece, control }) => {
  clearTimeout(idle);
  if (collectNow) {
    if (collect) collect();
    parentPort.postMessage({ id });
    return;
  }
  if (module) widenModule = module;
  let fd;
  try {
    fd = openSync(path, "r");
    let widen, staging;
    if (memory) widen = new WebAssembly.Instance(widenModule, { env: { memory } }).exports.widen;
    else if (dtype === "BF16") {
      if (!scratch || scratch.buffer.byteLength < 4 * piece) {
        const pages = Math.ceil((4 * piece) / 65536);
        scratch = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
        scratchWiden = new WebAssembly.Instance(widenModule, { env: { memory: scratch } }).exports.widen;
      }
      widen = scratchWiden;
      staging = scratch.buffer;
    }
    const truncatedAt = widenPieces(readSync, { fd, result: memory ? memory.buffer : result, widen, staging, control, piece, elements, position, dtype });
    parentPort.postMessage(truncatedAt < 0 ? { id } : { id, truncatedAt });
  } catch (error) {
    Atomics.store(control, 0, 0x3fffffff);
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (collect) idle = setTimeout(() => collect(), 100);
});
`;

interface Reply {
  id: number;
  truncatedAt?: number;
  error?: string;
}

const workers: Worker[] = [];
/** Workers that have been sent the widening module (it is sent once). */
const withModule = new WeakSet<Worker>();
const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void; worker: Worker }>();
let nextId = 0;

/**
 * Bytes of shared results handed out and not yet seen collected. A collection is asked for
 * before a result that would take them above `survivingBytes + largestBytes + SLACK_BYTES`:
 * what outlived the last collection (results the caller still held then), plus the largest
 * result handed out so far, plus this slack. So results the caller has dropped never hold more
 * than about the largest tensor plus the slack, and a caller holding many results is not made
 * to collect on every read. Where no collection can be had, the caller reads on its own thread.
 */
const SLACK_BYTES = 64 * 2 ** 20;
let outstandingBytes = 0;
let survivingBytes = 0;
let largestBytes = 0;
const collected = new FinalizationRegistry<number>((bytes) => {
  outstandingBytes -= bytes;
});

async function reserve(bytes: number): Promise<boolean> {
  largestBytes = Math.max(largestBytes, bytes);
  if (outstandingBytes + bytes <= survivingBytes + largestBytes + SLACK_BYTES) return true;
  const collect = garbageCollector();
  if (!collect) return false;
  // A full collection here, then in every worker at once, whose wrappers also hold results (Node
  // 20's `gc({ type })` options collect nothing). The workers' collections drop the last
  // references, so the memory is given back to the system on all their threads together. The
  // finalization callbacks run in a later task.
  collect();
  await Promise.all(workers.map((worker) => run(worker, { collectNow: true })));
  await new Promise((resolve) => setTimeout(resolve, 0));
  survivingBytes = outstandingBytes;
  return true;
}

function pool(size: number): Worker[] {
  garbageCollector();
  while (workers.length < size) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const task = pending.get(reply.id);
      pending.delete(reply.id);
      if (![...pending.values()].some((other) => other.worker === worker)) worker.unref();
      task?.resolve(reply);
    });
    worker.on("error", (error) => fail(worker, error));
    worker.on("exit", (code) => fail(worker, new Error(`a read worker exited with code ${code}`)));
    workers.push(worker);
  }
  return workers.slice(0, size);
}

function fail(worker: Worker, error: Error): void {
  const index = workers.indexOf(worker);
  if (index >= 0) workers.splice(index, 1);
  for (const [id, task] of pending) {
    if (task.worker !== worker) continue;
    pending.delete(id);
    task.reject(error);
  }
}

function run(worker: Worker, task: Record<string, unknown>): Promise<Reply> {
  const id = nextId++;
  worker.ref();
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, worker });
    worker.postMessage({ id, ...task });
  });
}

/**
 * WebAssembly memories that hold results and have not been seen collected. V8 reserves about
 * 10 GiB of address space for each, whatever its size (guard regions), so a 47-bit address space
 * holds about 13,000 of them (measured on Node 20); past this many, results are plain shared
 * buffers instead.
 */
const MAX_LIVE_MEMORIES = 1024;
let liveMemories = 0;
const memoryCollected = new FinalizationRegistry<undefined>(() => {
  liveMemories -= 1;
});

/**
 * Shared WebAssembly memory for a result of `bytes` (rounded up to 64 KiB pages), so that the
 * workers' SIMD kernel can widen bf16 in place in it; undefined above 4 GiB (the most a memory
 * can address), past MAX_LIVE_MEMORIES, or where the engine will not give one.
 */
function wasmResult(bytes: number): { buffer: SharedArrayBuffer } | undefined {
  const pages = Math.ceil(bytes / 65536);
  if (pages > 65536 || liveMemories >= MAX_LIVE_MEMORIES) return undefined;
  try {
    const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    liveMemories += 1;
    memoryCollected.register(memory.buffer, undefined);
    return memory;
  } catch {
    return undefined;
  }
}

/** Threads used when the caller does not say: the cores Node may use, at most 8. */
export function defaultReadThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** This thread's scratch memory and kernel for BF16 results that are not WebAssembly memory. */
let mainScratch: { buffer: SharedArrayBuffer; widen: (source: number, target: number, groups: number) => void } | undefined;

function scratchKernel(): NonNullable<typeof mainScratch> {
  if (!mainScratch) {
    const pages = Math.ceil((4 * PIECE_ELEMENTS) / 65536);
    const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
    const widen = new wasm.Instance(bf16WidenModule(), { env: { memory } }).exports.widen as (source: number, target: number, groups: number) => void;
    mainScratch = { buffer: memory.buffer, widen };
  }
  return mainScratch;
}

/**
 * A BF16 or F32 tensor read as f32 by this thread and `threads - 1` workers together, each
 * claiming pieces, reading them and widening them with SIMD into a shared result: WebAssembly
 * memory where it can be had (BF16 up to 4 GiB of f32, widened in place), a SharedArrayBuffer
 * otherwise. This thread works too (so no core waits for the workers to start, and none sits
 * idle); it blocks its event loop for its part of the read. Returns undefined where no shared
 * buffer can be had: the caller then reads on its own.
 */
export async function readFloat32Parallel({
  path,
  tensorName,
  position,
  dtype,
  elements,
  threads,
  inPlace = true,
  into,
}: {
  path: string;
  tensorName: string;
  position: number;
  dtype: "BF16" | "F32";
  elements: number;
  threads: number;
  /** Whether a BF16 result may be WebAssembly memory widened in place (false: a SharedArrayBuffer filled through scratch memory, as above 4 GiB). */
  inPlace?: boolean;
  /**
   * Shared WebAssembly memory of at least `elements` x 4 bytes that the caller owns and reuses
   * (see `streamFloat32`): the result is written into it from byte 0 instead of a fresh buffer,
   * so its pages are not faulted in again and nothing is left for the collector.
   */
  into?: SharedWasmMemory;
}): Promise<Float32Array | undefined> {
  let memory: { buffer: SharedArrayBuffer } | undefined;
  let result: SharedArrayBuffer;
  if (into) {
    if (!(into.buffer instanceof SharedArrayBuffer) || into.buffer.byteLength < elements * 4) {
      throw new RangeError(`readFloat32Parallel: the target memory must be shared and hold ${elements * 4} bytes`);
    }
    memory = into;
    result = memory.buffer;
  } else {
    if (!(await reserve(elements * 4))) return undefined;
    memory = dtype === "BF16" && inPlace ? wasmResult(elements * 4) : undefined;
    try {
      result = memory?.buffer ?? new SharedArrayBuffer(elements * 4);
    } catch {
      return undefined;
    }
    outstandingBytes += result.byteLength;
    collected.register(result, result.byteLength);
  }
  const control = new Int32Array(new SharedArrayBuffer(4));
  const task = { ...(memory ? { memory } : { result }), path, position, dtype, elements, piece: PIECE_ELEMENTS, control };
  const replies = pool(threads - 1).map((worker) => {
    const module = withModule.has(worker) ? undefined : bf16WidenModule();
    withModule.add(worker);
    return run(worker, { module, ...task });
  });
  let own: Reply = { id: -1 };
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    let widen: ((source: number, target: number, groups: number) => void) | undefined;
    let staging: SharedArrayBuffer | undefined;
    if (memory) widen = new wasm.Instance(bf16WidenModule(), { env: { memory } }).exports.widen as typeof widen;
    else if (dtype === "BF16") ({ widen, buffer: staging } = scratchKernel());
    const truncatedAt = widenPieces(readSync, { fd, result, widen, staging, control, piece: PIECE_ELEMENTS, elements, position, dtype });
    if (truncatedAt >= 0) own = { id: -1, truncatedAt };
  } catch (error) {
    Atomics.store(control, 0, 0x3fffffff);
    own = { id: -1, error: error instanceof Error ? error.message : String(error) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  for (const reply of [own, ...(await Promise.all(replies))]) {
    if (reply.truncatedAt !== undefined) {
      throw new ReadRangeError({
        path,
        tensorName,
        message: `file ended at offset ${reply.truncatedAt}, inside the tensor's ${elements * (dtype === "BF16" ? 2 : 4)} bytes at offset ${position} (truncated or changed while reading)`,
      });
    }
    if (reply.error !== undefined) throw new ReadRangeError({ path, tensorName, message: `reading failed: ${reply.error}` });
  }
  return new Float32Array(result, 0, elements);
}

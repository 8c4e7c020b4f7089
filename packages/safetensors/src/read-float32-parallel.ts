import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { bf16WidenModule } from "./bf16-widen-module.js";
import { ReadRangeError } from "./read-range-error.js";
import { garbageCollector } from "./collect-garbage.js";

/** Elements per piece of work: a piece's bf16 and f32 fit a core's L2 cache together. */
const PIECE_ELEMENTS = 1 << 16;

/**
 * The workers' code (a CommonJS script run with `eval`, so the package needs no second entry
 * file). A task covers elements [start, end) of one tensor. F32 pieces are read straight into
 * the result. BF16 pieces are read into the upper half of the worker's own scratch memory,
 * widened in place front to back with SIMD, and copied into the result, so the result's pages
 * are first touched (and zeroed by the kernel) on every core at once.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { openSync, readSync, closeSync } = require("node:fs");
let scratch, widen, widenModule, idle;
// This worker's wrappers of a finished result keep it alive until a collection here: one runs
// when the main thread asks (with its own) and after 100 ms without work.
const collect = require("node:vm").runInNewContext("typeof gc === 'function' ? gc : undefined");
parentPort.on("message", ({ id, collectNow, module, result, path, position, dtype, start, end, piece }) => {
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
    const output = new Uint8Array(result);
    const sourceBytes = dtype === "BF16" ? 2 : 4;
    if (dtype === "BF16" && (!scratch || scratch.buffer.byteLength < 4 * piece)) {
      const pages = Math.ceil((4 * piece) / 65536);
      scratch = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      widen = new WebAssembly.Instance(widenModule, { env: { memory: scratch } }).exports.widen;
    }
    const staging = dtype === "BF16" ? new Uint8Array(scratch.buffer) : undefined;
    for (let c = start; c < end; c += piece) {
      const count = Math.min(end, c + piece) - c;
      const length = sourceBytes * count;
      const target = staging ?? output;
      const at = staging ? 2 * count : 4 * c;
      for (let done = 0; done < length; ) {
        const read = readSync(fd, target, at + done, length - done, position + sourceBytes * c + done);
        if (read === 0) {
          parentPort.postMessage({ id, truncatedAt: position + sourceBytes * c + done });
          return;
        }
        done += read;
      }
      if (staging) {
        const groups = count >>> 3;
        widen(at, 0, groups);
        const halves = new Uint16Array(scratch.buffer), words = new Uint32Array(scratch.buffer);
        for (let i = groups * 8; i < count; i += 1) words[i] = halves[at / 2 + i] << 16;
        output.set(staging.subarray(0, 4 * count), 4 * c);
      }
    }
    parentPort.postMessage({ id });
  } catch (error) {
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
 * Bytes of shared results handed out and not yet seen collected. Above SLACK_BYTES a collection
 * is asked for before the next one (so peak memory stays near the live results plus this slack);
 * where none can be had, or it frees too little, the caller reads on its own thread instead.
 */
const SLACK_BYTES = 128 * 2 ** 20;
let outstandingBytes = 0;
const collected = new FinalizationRegistry<number>((bytes) => {
  outstandingBytes -= bytes;
});

async function reserve(bytes: number): Promise<boolean> {
  if (outstandingBytes <= SLACK_BYTES) return true;
  const collect = garbageCollector();
  if (!collect) return false;
  // A full collection here and in every worker, whose wrappers also hold results (Node 20's
  // `gc({ type })` options collect nothing); the finalization callbacks run in a later task.
  const workerCollections = Promise.all(workers.map((worker) => run(worker, { collectNow: true })));
  collect();
  await workerCollections;
  await new Promise((resolve) => setTimeout(resolve, 0));
  return outstandingBytes <= 4 * SLACK_BYTES;
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

/** Threads used when the caller does not say: the cores Node may use, at most 8. */
export function defaultReadThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * A BF16 or F32 tensor read as f32 by `threads` workers, each reading its share of the file and
 * widening it with SIMD into a SharedArrayBuffer (which the engine counts, and collects, like any
 * ArrayBuffer). Returns undefined where no such buffer can be had: the caller then reads on its
 * own thread.
 */
export async function readFloat32Parallel({ path, tensorName, position, dtype, elements, threads }: {
  path: string;
  tensorName: string;
  position: number;
  dtype: "BF16" | "F32";
  elements: number;
  threads: number;
}): Promise<Float32Array | undefined> {
  if (!(await reserve(elements * 4))) return undefined;
  let result: SharedArrayBuffer;
  try {
    result = new SharedArrayBuffer(elements * 4);
  } catch {
    return undefined;
  }
  outstandingBytes += result.byteLength;
  collected.register(result, result.byteLength);
  const share = Math.ceil(elements / threads / 8) * 8;
  const replies = await Promise.all(
    pool(threads).flatMap((worker, index) => {
      const start = index * share;
      if (start >= elements) return [];
      const module = withModule.has(worker) ? undefined : bf16WidenModule();
      withModule.add(worker);
      return [run(worker, { module, result, path, position, dtype, start, end: Math.min(elements, start + share), piece: PIECE_ELEMENTS })];
    }),
  );
  for (const reply of replies) {
    if (reply.truncatedAt !== undefined) {
      throw new ReadRangeError({ path, tensorName, message: `file ended at offset ${reply.truncatedAt}, inside the tensor's ${elements * (dtype === "BF16" ? 2 : 4)} bytes at offset ${position} (truncated or changed while reading)` });
    }
    if (reply.error !== undefined) throw new ReadRangeError({ path, tensorName, message: `reading failed: ${reply.error}` });
  }
  return new Float32Array(result);
}

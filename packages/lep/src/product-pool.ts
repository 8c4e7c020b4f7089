import { availableParallelism } from "node:os";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { accumulateTransposedProduct } from "./gram-kernels.js";

/** Most threads a pool uses: the kernels are memory-light, but more threads than cores only thrash. */
export const MAX_PRODUCT_THREADS = 16;

// Control block layout (Int32 slots of a SharedArrayBuffer).
const GENERATION = 0;
const DONE = 1;
const STOP = 2;
const FAILED = 3;
const LEFT = 4;
const RIGHT = 5;
const PRODUCT = 6;
const ROWS = 7;
const RIGHT_COUNT = 8;
const WIDTH = 9;
const UPPER_ONLY = 10;
const RANGES = 16;

/** Source of each worker: the kernel (its own source text, so no module loading) and a wait loop. */
function workerSource(): string {
  return `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const kernel = (${accumulateTransposedProduct.toString()});
const { control: controlBuffer, port, index } = workerData;
const control = new Int32Array(controlBuffer);
const buffers = new Map();
let generation = 0;
for (;;) {
  Atomics.wait(control, ${GENERATION}, generation);
  generation = Atomics.load(control, ${GENERATION});
  if (Atomics.load(control, ${STOP}) === 1) break;
  try {
    for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) {
      buffers.set(message.message.id, new Float64Array(message.message.buffer));
    }
    const start = control[${RANGES} + 2 * (index + 1)];
    const end = control[${RANGES} + 2 * (index + 1) + 1];
    if (end > start) {
      kernel(buffers.get(control[${LEFT}]), buffers.get(control[${RIGHT}]), control[${ROWS}], start, end, control[${RIGHT_COUNT}], buffers.get(control[${PRODUCT}]), control[${WIDTH}], control[${UPPER_ONLY}] === 1);
    }
  } catch (error) {
    Atomics.store(control, ${FAILED}, 1);
  }
  Atomics.add(control, ${DONE}, 1);
  Atomics.notify(control, ${DONE});
}
`;
}

/** A float64 array that can be shared with the pool's workers. */
export function sharedFloat64Array(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}

/**
 * Runs `accumulateTransposedProduct` over several threads: each thread takes a range of the
 * product's rows (balanced by work for the upper triangle), all on shared buffers. Calls are
 * synchronous (the calling thread works too, then waits with Atomics), so callers stay simple.
 * `threads: 1` runs everything on the calling thread with no workers.
 */
export class ProductPool {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly control: Int32Array;
  private readonly ids = new WeakMap<Float64Array, number>();
  private readonly buffers = new Map<number, Float64Array>();
  private nextId = 1;

  constructor(threads = Math.min(availableParallelism(), MAX_PRODUCT_THREADS)) {
    this.threads = Math.max(1, Math.min(Math.floor(threads), MAX_PRODUCT_THREADS));
    this.control = new Int32Array(new SharedArrayBuffer(4 * (RANGES + 2 * MAX_PRODUCT_THREADS)));
    for (let index = 0; index < this.threads - 1; index += 1) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(workerSource(), { eval: true, workerData: { control: this.control.buffer, port: port2, index }, transferList: [port2] });
      worker.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  private idOf(array: Float64Array): number {
    if (!(array.buffer instanceof SharedArrayBuffer) || array.byteOffset !== 0) {
      throw new RangeError("ProductPool: operands must be whole SharedArrayBuffer-backed arrays (see sharedFloat64Array)");
    }
    let id = this.ids.get(array);
    if (id === undefined) {
      id = this.nextId;
      this.nextId += 1;
      this.ids.set(array, id);
      this.buffers.set(id, array);
      for (const port of this.ports) port.postMessage({ id, buffer: array.buffer });
    }
    return id;
  }

  /** Same contract as `accumulateTransposedProduct` over rows `[0, leftCount)` of the product. */
  accumulate(
    left: Float64Array,
    right: Float64Array,
    rows: number,
    leftCount: number,
    rightCount: number,
    product: Float64Array,
    width: number,
    upperOnly: boolean,
  ): void {
    if (this.workers.length === 0) {
      accumulateTransposedProduct(left, right, rows, 0, leftCount, rightCount, product, width, upperOnly);
      return;
    }
    const control = this.control;
    control[LEFT] = this.idOf(left);
    control[RIGHT] = this.idOf(right);
    control[PRODUCT] = this.idOf(product);
    control[ROWS] = rows;
    control[RIGHT_COUNT] = rightCount;
    control[WIDTH] = width;
    control[UPPER_ONLY] = upperOnly ? 1 : 0;
    const bounds = splitRows(leftCount, rightCount, this.threads, upperOnly);
    for (let thread = 0; thread < this.threads; thread += 1) {
      control[RANGES + 2 * thread] = bounds[thread];
      control[RANGES + 2 * thread + 1] = bounds[thread + 1];
    }
    Atomics.store(control, DONE, 0);
    Atomics.store(control, FAILED, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    accumulateTransposedProduct(left, right, rows, bounds[0], bounds[1], rightCount, product, width, upperOnly);
    for (let done = Atomics.load(control, DONE); done < this.workers.length; done = Atomics.load(control, DONE)) Atomics.wait(control, DONE, done);
    if (Atomics.load(control, FAILED) === 1) throw new Error("ProductPool: a worker thread failed while multiplying");
  }

  /** Stops the workers (idempotent). */
  close(): void {
    if (this.workers.length === 0) return;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
    this.ports.length = 0;
  }
}

/**
 * Boundaries of `threads` row ranges with equal work: rows cost `rightCount` each, or
 * `rightCount − i` for the upper triangle; ranges start on multiples of 4 (the kernel's tile).
 */
export function splitRows(leftCount: number, rightCount: number, threads: number, upperOnly: boolean): number[] {
  const cost = (row: number) => (upperOnly ? Math.max(0, rightCount - row) : rightCount);
  let total = 0;
  for (let row = 0; row < leftCount; row += 1) total += cost(row);
  const bounds = [0];
  let accumulated = 0;
  let row = 0;
  for (let thread = 1; thread < threads; thread += 1) {
    const target = (total * thread) / threads;
    while (row < leftCount && accumulated + cost(row) <= target) {
      accumulated += cost(row);
      row += 1;
    }
    const aligned = Math.min(leftCount, Math.max(bounds[bounds.length - 1], row - (row % 4)));
    bounds.push(aligned);
  }
  bounds.push(leftCount);
  return bounds;
}

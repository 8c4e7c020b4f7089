// Benchmark (diagnostic for the safetensors reader): what first-touching a fresh 64 MiB result
// costs on this machine, Node worker threads filling a new SharedArrayBuffer against torch filling
// a new tensor (and numpy, which asks for transparent huge pages), 1 and 2 threads, each in its own
// process, same run. Prints a table and the ratio. Run: npm run bench safetensors-faults
import { spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const python = process.env.GRAFT_PYTHON ?? join(fileURLToPath(new URL("..", import.meta.url)), ".venv", "bin", "python");
const ROUNDS = Number(process.env.BENCH_FAULTS_ROUNDS ?? 24);
const MIB = 64;

function run(command: string, args: string[]): Record<string, number> {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout.trim().split("\n").pop() as string);
}

// Node: a new SharedArrayBuffer per round, filled by `threads` workers (halves), then dropped and
// collected on every thread, as the reader does.
const node = (threads: number) =>
  run(process.execPath, [
    "--expose-gc",
    "-e",
    `
const { Worker } = require("node:worker_threads");
const source = "const { parentPort } = require('node:worker_threads'); parentPort.on('message', ({ buffer, start, end, collect }) => { if (collect) { gc(); parentPort.postMessage(0); return; } new Float32Array(buffer, start * 4, end - start).fill(1); parentPort.postMessage(0); });";
const workers = Array.from({ length: ${threads} }, () => new Worker(source, { eval: true }));
const ask = (worker, message) => new Promise((resolve) => { worker.once("message", resolve); worker.postMessage(message); });
(async () => {
  const elements = ${MIB} * 2 ** 18;
  let seconds = 0;
  for (let round = -2; round < ${ROUNDS}; round += 1) {
    const start = performance.now();
    const buffer = new SharedArrayBuffer(elements * 4);
    await Promise.all(workers.map((worker, index) => ask(worker, { buffer, start: (index * elements) / ${threads}, end: ((index + 1) * elements) / ${threads} })));
    if (round >= 0) seconds += (performance.now() - start) / 1000;
    await Promise.all(workers.map((worker) => ask(worker, { collect: true })));
    gc();
  }
  console.log(JSON.stringify({ msPerBuffer: (1000 * seconds) / ${ROUNDS} }));
  process.exit(0);
})();
`,
  ]);

const torch = (threads: number) =>
  run(python, [
    "-c",
    `
import json, time, torch
torch.set_num_threads(${threads})
elements, seconds = ${MIB} * 2 ** 18, 0.0
for round in range(-2, ${ROUNDS}):
    start = time.perf_counter()
    values = torch.empty(elements).fill_(1)
    if round >= 0: seconds += time.perf_counter() - start
    del values
print(json.dumps({"msPerBuffer": 1000 * seconds / ${ROUNDS}}))
`,
  ]);

const numpy = () =>
  run(python, [
    "-c",
    `
import json, time, numpy
elements, seconds = ${MIB} * 2 ** 18, 0.0
for round in range(-2, ${ROUNDS}):
    start = time.perf_counter()
    values = numpy.ones(elements, dtype=numpy.float32)
    if round >= 0: seconds += time.perf_counter() - start
    del values
print(json.dumps({"msPerBuffer": 1000 * seconds / ${ROUNDS}}))
`,
  ]);

const rows: [string, number][] = [
  ["Node: new SharedArrayBuffer, filled by 1 worker", node(1).msPerBuffer!],
  ["Node: new SharedArrayBuffer, filled by 2 workers", node(2).msPerBuffer!],
  ["torch: torch.empty(...).fill_(1), 1 thread", torch(1).msPerBuffer!],
  ["torch: torch.empty(...).fill_(1), 2 threads", torch(2).msPerBuffer!],
  ["numpy: numpy.ones (transparent huge pages where madvise allows)", numpy().msPerBuffer!],
];
console.log(
  `fresh ${MIB} MiB float32 buffer, allocated and written once, ${ROUNDS} rounds; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
);
console.log("| what | ms per buffer | GB/s |");
console.log("| --- | ---: | ---: |");
for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(1)} | ${((MIB * 2 ** 20) / 1e9 / (ms / 1000)).toFixed(2)} |`);
console.log(`ratio (torch 2 threads / Node 2 workers): ${(rows[3]![1] / rows[1]![1]).toFixed(2)}x`);

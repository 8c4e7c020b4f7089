// Benchmark: f32 -> bf16 narrowing of 16 Mi random values (round to nearest even), graft's
// `float32ArrayToBf16` (WebAssembly SIMD kernel) against the scalar loop it replaced
// (`float32ToBf16Bits` per value) and torch's `.to(torch.bfloat16)` on the same values, into a
// reused output, warm, best of 5. Prints a table and the ratios. Run: npm run bench safetensors-narrow
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { float32ArrayToBf16, float32ToBf16Bits } from "../packages/safetensors/src/index.ts";

const python = process.env.GRAFT_PYTHON ?? join(fileURLToPath(new URL("..", import.meta.url)), ".venv", "bin", "python");
const VALUES = 16 * 2 ** 20;
const ROUNDS = 5;

let state = 12345;
const values = new Float32Array(VALUES);
for (let index = 0; index < VALUES; index += 1) {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  values[index] = (state / 4294967296 - 0.5) * 8;
}
const out = new Uint16Array(VALUES);

function best(action: () => void): number {
  let seconds = Number.POSITIVE_INFINITY;
  for (let round = -1; round < ROUNDS; round += 1) {
    const start = performance.now();
    action();
    if (round >= 0) seconds = Math.min(seconds, (performance.now() - start) / 1000);
  }
  return seconds;
}

const simd = best(() => float32ArrayToBf16(values, out));
const simdBits = Uint16Array.from(out);
const scalar = best(() => {
  for (let index = 0; index < VALUES; index += 1) out[index] = float32ToBf16Bits(values[index]!);
});
const identical = simdBits.every((bits, index) => bits === out[index]);

const torch = spawnSync(
  python,
  [
    "-c",
    `
import json, sys, time, numpy as np, torch
torch.set_num_threads(1)
values = torch.from_numpy(np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).copy())
out = torch.empty(values.shape, dtype=torch.bfloat16)
best = float("inf")
for round in range(-1, ${ROUNDS}):
    start = time.perf_counter()
    out.copy_(values)
    if round >= 0: best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best}))
`,
  ],
  { input: Buffer.from(values.buffer), encoding: "utf8", maxBuffer: 1 << 20 },
);
if (torch.status !== 0) throw new Error(torch.stderr);
const torchSeconds = JSON.parse(torch.stdout.trim().split("\n").pop() as string).seconds as number;

const ns = (seconds: number) => ((seconds * 1e9) / VALUES).toFixed(2);
console.log(`\nf32 -> bf16, ${VALUES.toLocaleString("en")} values, reused output, best of ${ROUNDS}; ${cpus().length} cores`);
console.log("| implementation | ms | ns per value |");
console.log("|---|---:|---:|");
console.log(`| @graft/safetensors float32ArrayToBf16 (WebAssembly SIMD) | ${(simd * 1000).toFixed(1)} | ${ns(simd)} |`);
console.log(`| scalar JavaScript loop (float32ToBf16Bits per value) | ${(scalar * 1000).toFixed(1)} | ${ns(scalar)} |`);
console.log(`| torch out.copy_(values) to bfloat16 (1 thread) | ${(torchSeconds * 1000).toFixed(1)} | ${ns(torchSeconds)} |`);
console.log(`speed vs scalar: ${(scalar / simd).toFixed(2)}x, vs torch: ${(torchSeconds / simd).toFixed(2)}x; bits identical to the scalar loop: ${identical}`);

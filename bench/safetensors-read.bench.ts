// Benchmark: read a ~2 GB bf16 safetensors file and convert every tensor to f32.
// graft's reader (this thread and workers reading and widening with WebAssembly SIMD, in place in
// WebAssembly memory) vs Python safetensors + torch `.float()`, each in
// its own process, same file, same run, BENCH_SAFETENSORS_REPEATS times each (default 5, alternating; medians).
// Prints a table and the ratio. Run: npm run bench safetensors
// Each reader also runs with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (glibc >= 2.35 then asks for
// transparent huge pages on its large allocations, so a fresh result costs 512 times fewer page
// faults; graft's BF16 results are WebAssembly memory, which V8 maps itself, so they do not get
// them); the ratio against the peer as it runs by default is the headline.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const python = process.env.GRAFT_PYTHON ?? join(fileURLToPath(new URL("..", import.meta.url)), ".venv", "bin", "python");
const megabytes = Number(process.env.BENCH_SAFETENSORS_MB ?? 2048);
const repeats = Number(process.env.BENCH_SAFETENSORS_REPEATS ?? 5);
const work = mkdtempSync(join(tmpdir(), "graft-bench-safetensors-"));
const file = join(work, "model.safetensors");

try {
  // Tensor mix of a Llama-like checkpoint: one big embedding (~25%), many mid-sized matrices.
  const make = spawnSync(python, ["-c", `
import sys, torch
from safetensors.torch import save_file
total = int(sys.argv[2]) * 2**20
embedding = total // 4 // 2
hidden = 2048
tensors = {"model.embed_tokens.weight": torch.randn(embedding // hidden, hidden).to(torch.bfloat16)}
rest = (total - embedding * 2) // 2
layer = 0
while rest >= hidden * hidden * 4:
    tensors[f"model.layers.{layer}.mlp.weight"] = torch.randn(hidden * 4, hidden).to(torch.bfloat16)
    rest -= hidden * hidden * 4
    layer += 1
save_file(tensors, sys.argv[1], metadata={"format": "pt"})
`, file, String(megabytes)], { stdio: "inherit" });
  if (make.status !== 0) throw new Error("could not generate the benchmark file");
  const size = statSync(file).size;

  const hugePages = { ...process.env, GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, "glibc.malloc.hugetlb=1"].filter(Boolean).join(":") };
  const oursArgs = ["--import", "tsx", "-e", `
import { SafetensorsReader, readFloat32 } from ${JSON.stringify(fileURLToPath(new URL("../packages/safetensors/src/index.ts", import.meta.url)))};
const start = performance.now();
const reader = await SafetensorsReader.open(${JSON.stringify(file)});
let checksum = 0, largest = 0;
for (const name of reader.tensorNames()) {
  const { values } = await readFloat32(reader, name);
  checksum += values[values.length - 1];
  largest = Math.max(largest, values.byteLength);
}
await reader.close();
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ seconds, peakRssBytes: process.resourceUsage().maxRSS * 1024, largestF32Bytes: largest, checksum }));
`];
  const peerArgs = ["-c", `
import json, resource, sys, time, torch
from safetensors import safe_open
start = time.perf_counter()
checksum, largest = 0.0, 0
with safe_open(sys.argv[1], "pt") as handle:
    for name in handle.keys():
        values = handle.get_tensor(name).float()
        checksum += float(values.reshape(-1)[-1])
        largest = max(largest, values.numel() * 4)
        del values
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "largestF32Bytes": largest, "checksum": checksum}))
`, file];
  const measure = (command: string, args: string[], env: NodeJS.ProcessEnv) => {
    const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 20, env });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout.trim().split("\n").pop() as string);
  };
  // Runs alternate between the readers (so drift in the machine's speed hits both alike); each
  // row reports its median time and its highest peak RSS.
  const runs: Record<"a" | "b" | "aHuge" | "bHuge", { seconds: number; peakRssBytes: number; largestF32Bytes: number; checksum: number }[]> = { a: [], b: [], aHuge: [], bHuge: [] };
  for (let run = 0; run < repeats; run += 1) {
    runs.a.push(measure(process.execPath, oursArgs, process.env));
    runs.b.push(measure(python, peerArgs, process.env));
    runs.aHuge.push(measure(process.execPath, oursArgs, hugePages));
    runs.bHuge.push(measure(python, peerArgs, hugePages));
  }
  const summary = (results: (typeof runs)["a"]) => {
    const seconds = results.map((result) => result.seconds).sort((x, y) => x - y);
    return { ...results[0], seconds: seconds[Math.floor(seconds.length / 2)], peakRssBytes: Math.max(...results.map((result) => result.peakRssBytes)), all: seconds };
  };
  const [a, b, aHuge, bHuge] = [summary(runs.a), summary(runs.b), summary(runs.aHuge), summary(runs.bHuge)];
  const gb = size / 1e9;
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  console.log(`file: ${gb.toFixed(2)} GB bf16, largest tensor ${mib(a.largestF32Bytes)} MiB as f32; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; checksums ${a.checksum.toFixed(3)} / ${b.checksum.toFixed(3)}`);
  console.log(`${repeats} runs of each reader, alternating; median seconds (all runs in brackets), highest peak RSS`);
  console.log("| reader | seconds | GB/s (bf16 in) | peak RSS MiB | RSS budget (largest f32 + 256 MiB) |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  const rows = [
    ["@graft/safetensors readFloat32", a],
    ["Python safetensors + torch .float()", b],
    ["@graft/safetensors readFloat32, GLIBC_TUNABLES=glibc.malloc.hugetlb=1", aHuge],
    ["Python safetensors + torch .float(), GLIBC_TUNABLES=glibc.malloc.hugetlb=1", bHuge],
  ] as const;
  for (const [name, result] of rows) {
    console.log(`| ${name} | ${result.seconds.toFixed(2)} (${result.all.map((seconds) => seconds.toFixed(2)).join(", ")}) | ${(gb / result.seconds).toFixed(2)} | ${mib(result.peakRssBytes)} | ${mib(result.largestF32Bytes + 256 * 2 ** 20)} |`);
  }
  console.log(`ratio (Python time / graft time), both by default: ${(b.seconds / a.seconds).toFixed(2)}x; graft peak RSS within budget: ${a.peakRssBytes <= a.largestF32Bytes + 256 * 2 ** 20}`);
  console.log(`with huge pages: graft against default Python ${(b.seconds / aHuge.seconds).toFixed(2)}x, against Python with huge pages too ${(bHuge.seconds / aHuge.seconds).toFixed(2)}x; graft peak RSS within budget: ${aHuge.peakRssBytes <= aHuge.largestF32Bytes + 256 * 2 ** 20}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

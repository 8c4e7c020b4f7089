// Benchmark: read a ~2 GB bf16 safetensors file and convert every tensor to f32.
// graft's readers (this thread and workers reading and widening with WebAssembly SIMD, in place in
// WebAssembly memory): `streamFloat32` (every tensor in turn into one reused buffer) and
// `readFloat32` (a fresh result per tensor), vs Python safetensors + torch `.float()` (the peer),
// and Python copying each tensor into one reused f32 tensor (`copy_`, the peer's form of reuse),
// each in its own process, same file, same run, BENCH_SAFETENSORS_REPEATS times each (default 5,
// alternating; medians). Prints a table and the ratios. Run: npm run bench safetensors
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
  const make = spawnSync(
    python,
    [
      "-c",
      `
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
`,
      file,
      String(megabytes),
    ],
    { stdio: "inherit" },
  );
  if (make.status !== 0) throw new Error("could not generate the benchmark file");
  const size = statSync(file).size;

  const hugePages = { ...process.env, GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, "glibc.malloc.hugetlb=1"].filter(Boolean).join(":") };
  const oursArgs = (form: "read" | "stream") => [
    "--import",
    "tsx",
    "-e",
    `
import { SafetensorsReader, readFloat32, streamFloat32 } from ${JSON.stringify(fileURLToPath(new URL("../packages/safetensors/src/index.ts", import.meta.url)))};
const start = performance.now();
const reader = await SafetensorsReader.open(${JSON.stringify(file)});
let checksum = 0, largest = 0;
if (${JSON.stringify(form)} === "stream") {
  for await (const { values } of streamFloat32(reader)) {
    checksum += values[values.length - 1];
    largest = Math.max(largest, values.byteLength);
  }
} else {
  for (const name of reader.tensorNames()) {
    const { values } = await readFloat32(reader, name);
    checksum += values[values.length - 1];
    largest = Math.max(largest, values.byteLength);
  }
}
await reader.close();
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ seconds, peakRssBytes: process.resourceUsage().maxRSS * 1024, largestF32Bytes: largest, checksum }));
`,
  ];
  const peerArgs = [
    "-c",
    `
import json, resource, sys, time, torch
from safetensors import safe_open
start = time.perf_counter()
checksum, largest = 0.0, 0
with safe_open(sys.argv[1], "pt") as handle:
    if sys.argv[2] == "reuse":
        shapes = {name: handle.get_slice(name).get_shape() for name in handle.keys()}
        buffer = torch.empty(max(torch.Size(shape).numel() for shape in shapes.values()))
    for name in handle.keys():
        if sys.argv[2] == "reuse":
            values = buffer[: torch.Size(shapes[name]).numel()].view(shapes[name])
            values.copy_(handle.get_tensor(name))
        else:
            values = handle.get_tensor(name).float()
        checksum += float(values.reshape(-1)[-1])
        largest = max(largest, values.numel() * 4)
        del values
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "largestF32Bytes": largest, "checksum": checksum}))
`,
    file,
  ];
  const peer = (form: "float" | "reuse") => [...peerArgs, form];
  const measure = (command: string, args: string[], env: NodeJS.ProcessEnv) => {
    const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 20, env });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout.trim().split("\n").pop() as string);
  };
  // Runs alternate between the readers (so drift in the machine's speed hits both alike); each
  // row reports its median time and its highest peak RSS.
  type Result = { seconds: number; peakRssBytes: number; largestF32Bytes: number; checksum: number };
  const forms = {
    stream: () => measure(process.execPath, oursArgs("stream"), process.env),
    read: () => measure(process.execPath, oursArgs("read"), process.env),
    peer: () => measure(python, peer("float"), process.env),
    peerReuse: () => measure(python, peer("reuse"), process.env),
    readHuge: () => measure(process.execPath, oursArgs("read"), hugePages),
    peerHuge: () => measure(python, peer("float"), hugePages),
  };
  const runs = Object.fromEntries(Object.keys(forms).map((form) => [form, [] as Result[]])) as Record<keyof typeof forms, Result[]>;
  for (let run = 0; run < repeats; run += 1) {
    for (const [form, once] of Object.entries(forms)) runs[form as keyof typeof forms].push(once());
  }
  const summary = (results: Result[]) => {
    const seconds = results.map((result) => result.seconds).sort((x, y) => x - y);
    return {
      ...results[0],
      seconds: seconds[Math.floor(seconds.length / 2)],
      peakRssBytes: Math.max(...results.map((result) => result.peakRssBytes)),
      all: seconds,
    };
  };
  const [stream, a, b, bReuse, aHuge, bHuge] = [runs.stream, runs.read, runs.peer, runs.peerReuse, runs.readHuge, runs.peerHuge].map(summary);
  const gb = size / 1e9;
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  console.log(
    `file: ${gb.toFixed(2)} GB bf16, largest tensor ${mib(a.largestF32Bytes)} MiB as f32; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; checksums ${stream.checksum.toFixed(3)} / ${a.checksum.toFixed(3)} / ${b.checksum.toFixed(3)} / ${bReuse.checksum.toFixed(3)}`,
  );
  console.log(`${repeats} runs of each reader, alternating; median seconds (all runs in brackets), highest peak RSS`);
  console.log("| reader | seconds | GB/s (bf16 in) | peak RSS MiB | RSS budget (largest f32 + 256 MiB) |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  const rows = [
    ["@graft/safetensors streamFloat32 (one reused result)", stream],
    ["@graft/safetensors readFloat32 (a fresh result per tensor)", a],
    ["Python safetensors + torch .float()", b],
    ["Python safetensors + torch copy_ into one reused f32 tensor", bReuse],
    ["@graft/safetensors readFloat32, GLIBC_TUNABLES=glibc.malloc.hugetlb=1", aHuge],
    ["Python safetensors + torch .float(), GLIBC_TUNABLES=glibc.malloc.hugetlb=1", bHuge],
  ] as const;
  for (const [name, result] of rows) {
    console.log(
      `| ${name} | ${result.seconds.toFixed(2)} (${result.all.map((seconds) => seconds.toFixed(2)).join(", ")}) | ${(gb / result.seconds).toFixed(2)} | ${mib(result.peakRssBytes)} | ${mib(result.largestF32Bytes + 256 * 2 ** 20)} |`,
    );
  }
  console.log(
    `ratio (Python .float() time / streamFloat32 time): ${(b.seconds / stream.seconds).toFixed(2)}x; against Python reusing its tensor too: ${(bReuse.seconds / stream.seconds).toFixed(2)}x; streamFloat32 peak RSS within budget: ${stream.peakRssBytes <= stream.largestF32Bytes + 256 * 2 ** 20}`,
  );
  console.log(
    `ratio (Python .float() time / readFloat32 time), both by default: ${(b.seconds / a.seconds).toFixed(2)}x; graft peak RSS within budget: ${a.peakRssBytes <= a.largestF32Bytes + 256 * 2 ** 20}`,
  );
  console.log(
    `with huge pages: graft against default Python ${(b.seconds / aHuge.seconds).toFixed(2)}x, against Python with huge pages too ${(bHuge.seconds / aHuge.seconds).toFixed(2)}x; graft peak RSS within budget: ${aHuge.peakRssBytes <= aHuge.largestF32Bytes + 256 * 2 ** 20}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

// Benchmark: LEP conversion mode, graft (streamed float64 normal equations + Cholesky, rows in
// bf16) against the published approach (A·S and A·T materialised as dense float64, then
// torch.linalg.lstsq, then X·P; tensors loaded one at a time, so its peak is the four V x d float64
// matrices lstsq holds) on the same bf16 models, each in its own process, same run.
// Prints wall time, peak RSS and how closely the two maps P agree.
// Run: node --import tsx bench/lep-propagate.bench.ts   (env: BENCH_LEP_HIDDEN=512, BENCH_LEP_NEW_TOKENS=32000;
// BENCH_LEP_WORK=DIR keeps the generated models in DIR and reuses them on the next run with the
// same shapes; BENCH_LEP_SKIP_REFERENCE=1 times graft alone, for iterating on it)
// Llama-3-8B shapes are hidden 4096, 46,560 new tokens (the vocabulary here is Llama-3's; the body
// is a small stand-in): the reference then needs about 22 GiB (give a 24 GiB machine some swap) and
// the run takes about 35 minutes on 2 cores; smaller hidden sizes run in minutes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const python = process.env.GRAFT_PYTHON ?? join(root, ".venv", "bin", "python");
const hidden = Number(process.env.BENCH_LEP_HIDDEN ?? 512);
const newTokens = Number(process.env.BENCH_LEP_NEW_TOKENS ?? 32_000);
const threads = Number(process.env.BENCH_LEP_TORCH_THREADS ?? cpus().length);
const keep = process.env.BENCH_LEP_WORK;
const skipReference = process.env.BENCH_LEP_SKIP_REFERENCE === "1";
const work = keep ? join(keep, `hidden-${hidden}-new-${newTokens}`) : mkdtempSync(join(tmpdir(), "graft-bench-lep-"));
const generated = join(work, "generated.json");
const source = (relative: string) => JSON.stringify(join(root, relative));

/** SwapTotal of this machine in bytes (0 where there is none or /proc is absent). */
function swapBytes(): number {
  const match = existsSync("/proc/meminfo") ? /SwapTotal:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8")) : null;
  return match ? Number(match[1]) * 1024 : 0;
}

function run(command: string, args: string[], what: string): string {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "inherit"] });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status})`);
  return result.stdout;
}

try {
  if (keep) mkdirSync(work, { recursive: true });
  rmSync(join(work, "out-graft"), { recursive: true, force: true });
  if (!existsSync(generated)) {
    // 1. Models: base (createTinyModel, llama3 tokenizer), a donor tokenizer with `newTokens` new
    //    merges, instruct = base·D + noise, donor rows random; A dumped for the reference.
    run(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadTokenizer } from ${source("packages/hf/src/index.ts")};
import { createTinyModel, fixtureTokenizerDirectory } from ${source("packages/testing/src/index.ts")};
const work = ${JSON.stringify(work)};
const tokenizerDirectory = fixtureTokenizerDirectory("llama3");
await createTinyModel({ out: join(work, "base"), tokenizerDirectory, hiddenSize: ${hidden}, layers: 1, heads: 8, kvHeads: 4, intermediateSize: 256, dtype: "BF16", seed: 1, initializerRange: 0.5 });
const base = await loadTokenizer(tokenizerDirectory);
const json = structuredClone(base.json);
const vocab = json.model.vocab;
const tokens = Object.keys(vocab).filter((token) => vocab[token] < 128000 && !token.includes("Ċ"));
let state = 12345;
const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
let next = base.idLimit;
while (next < base.idLimit + ${newTokens}) {
  const left = tokens[Math.floor(random() * tokens.length)];
  const right = tokens[Math.floor(random() * tokens.length)];
  if (right.startsWith("Ġ") || vocab[left + right] !== undefined) continue;
  vocab[left + right] = next++;
  json.model.merges.push(left + " " + right);
}
writeFileSync(join(work, "donor-tokenizer.json"), JSON.stringify(json));
`,
      ],
      "model generation",
    );
    run(
      python,
      [
        "-c",
        `
import json, os, shutil, sys
import torch
from safetensors.torch import load_file, save_file
work, new_tokens = sys.argv[1], int(sys.argv[2])
torch.manual_seed(0)
base = load_file(os.path.join(work, "base", "model.safetensors"))
rows, hidden = base["model.embed_tokens.weight"].shape
def model(name, tensors, tokenizer=None, vocab_size=None):
    target = os.path.join(work, name)
    shutil.copytree(os.path.join(work, "base"), target)
    save_file(tensors, os.path.join(target, "model.safetensors"), metadata={"format": "pt"})
    if tokenizer:
        shutil.copy(tokenizer, os.path.join(target, "tokenizer.json"))
    config = json.load(open(os.path.join(target, "config.json")))
    config["vocab_size"] = vocab_size or rows
    json.dump(config, open(os.path.join(target, "config.json"), "w"))
instruct = dict(base)
for module in ["model.embed_tokens.weight", "lm_head.weight"]:
    d = torch.eye(hidden, dtype=torch.float64) + torch.randn(hidden, hidden, dtype=torch.float64) / hidden ** 0.5
    s = base[module].double()
    instruct[module] = (s @ d + 0.01 * torch.randn_like(s)).bfloat16()
model("instruct", instruct)
donor = dict(base)
for module in ["model.embed_tokens.weight", "lm_head.weight"]:
    donor[module] = (0.5 * torch.randn(rows + new_tokens, hidden)).bfloat16()
model("donor", donor, os.path.join(work, "donor-tokenizer.json"), rows + new_tokens)
`,
        work,
        String(newTokens),
      ],
      "instruct/donor generation",
    );
    writeFileSync(generated, JSON.stringify({ hidden, newTokens }));
  }

  // 2. graft lep (conversion), in its own process; the maps are written for the comparison.
  const ours = JSON.parse(
    run(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `
import { writeFileSync } from "node:fs";
import { propagateEmbeddings } from ${source("packages/lep/src/index.ts")};
const work = ${JSON.stringify(work)};
const start = performance.now();
const { report, maps } = await propagateEmbeddings({ base: work + "/base", instruct: work + "/instruct", donor: work + "/donor", out: work + "/out-graft", mode: "conversion",
  onEvent: (event) => { if (event.type !== "lep-finished") process.stderr.write(JSON.stringify({ atSeconds: Number(((performance.now() - start) / 1000).toFixed(1)), rssGiB: Number((process.memoryUsage.rss() / 2 ** 30).toFixed(2)), ...event }) + "\\n"); } });
const seconds = (performance.now() - start) / 1000;
for (const [module, map] of Object.entries(maps)) writeFileSync(work + "/graft-" + module + ".f64", map);
console.log(JSON.stringify({ seconds, peakRssBytes: process.resourceUsage().maxRSS * 1024, modules: report.modules, fitRows: report.modules[0].fitRows }));
`,
      ],
      "graft lep",
    )
      .trim()
      .split("\n")
      .pop() as string,
  );

  // The reference's A: the same old segmentation and fit rows graft used (the packages graft lep
  // runs on, as built: @graft/vocab checks its tokenizer argument with instanceof).
  if (skipReference) {
    console.log(`\ngraft lep alone (BENCH_LEP_SKIP_REFERENCE=1): ${ours.seconds.toFixed(1)} s, peak RSS ${(ours.peakRssBytes / 2 ** 30).toFixed(2)} GiB`);
    for (const module of ours.modules)
      console.log(
        `graft ${module.module}: residual ${module.residual.toExponential(3)}, condition ${module.condition.toExponential(2)}, fit ${module.fitSeconds.toFixed(1)} s, apply ${module.applySeconds.toFixed(1)} s`,
      );
    process.exit(0);
  }
  const segmentationStart = performance.now();
  run(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      `
import { writeFileSync } from "node:fs";
import { loadTokenizer } from "@graft/hf";
import { oldSegmentation } from "@graft/vocab";
const work = ${JSON.stringify(work)};
const base = await loadTokenizer(work + "/base");
const donor = await loadTokenizer(work + "/donor");
const segmentation = oldSegmentation({ baseTokenizer: base, extendedTokenizer: donor });
const added = new Set([...base.addedTokens, ...donor.addedTokens].map((token) => token.id));
const fit = [];
for (let id = 0; id < segmentation.rowCount; id += 1) if (segmentation.kinds[id] !== "padding" && !added.has(id) && !(segmentation.kinds[id] === "copied" && added.has(segmentation.baseIds[segmentation.offsets[id]]))) fit.push(id);
writeFileSync(work + "/offsets.i32", segmentation.offsets);
writeFileSync(work + "/base-ids.i32", segmentation.baseIds);
writeFileSync(work + "/fit.i32", Int32Array.from(fit));
`,
    ],
    "segmentation dump",
  );
  // Building A (loading both tokenizers, segmenting) is part of the reference's work too.
  const segmentationSeconds = (performance.now() - segmentationStart) / 1000;

  const reference = JSON.parse(
    run(
      python,
      [
        "-c",
        `
import json, os, resource, sys, threading, time, warnings
import numpy as np, torch
warnings.filterwarnings("ignore")
from safetensors import safe_open
from safetensors.torch import save_file
work, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
start = time.perf_counter()
footprint = [0]
def watch():
    # Peak resident + swapped bytes (ru_maxrss counts resident pages only: on a machine with swap
    # the operands that do not fit are partly swapped out).
    while True:
        status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
        footprint[0] = max(footprint[0], 1024 * (int(status["VmRSS"].split()[0]) + int(status.get("VmSwap", "0 kB").split()[0])))
        time.sleep(0.2)
threading.Thread(target=watch, daemon=True).start()
def tensor(model, name):
    # One tensor at a time, so only the dense float64 operands (4 of V x d during lstsq) are large.
    with safe_open(os.path.join(work, model, "model.safetensors"), "pt") as handle:
        return handle.get_tensor(name)
offsets = torch.from_numpy(np.fromfile(os.path.join(work, "offsets.i32"), dtype=np.int32).astype(np.int64))
base_ids = torch.from_numpy(np.fromfile(os.path.join(work, "base-ids.i32"), dtype=np.int32).astype(np.int64))
fit = torch.from_numpy(np.fromfile(os.path.join(work, "fit.i32"), dtype=np.int32).astype(np.int64))
lengths = offsets[1:] - offsets[:-1]
fit_lengths = lengths[fit]
row_of_part = torch.repeat_interleave(torch.arange(len(fit)), fit_lengths)
parts = torch.cat([base_ids[offsets[i]:offsets[i + 1]] for i in fit.tolist()]) if len(fit) else base_ids[:0]
values = (1.0 / fit_lengths.double()).repeat_interleave(fit_lengths)
with safe_open(os.path.join(work, "base", "model.safetensors"), "pt") as handle:
    old_rows = handle.get_slice("model.embed_tokens.weight").get_shape()[0]
aggregation = torch.sparse_coo_tensor(torch.stack([row_of_part, parts]), values, (len(fit), old_rows)).coalesce()
agreement = {}
for module in ["model.embed_tokens.weight", "lm_head.weight"]:
    s_hat = torch.sparse.mm(aggregation, tensor("base", module).double())
    t_hat = torch.sparse.mm(aggregation, tensor("instruct", module).double())
    # .solution is a view into lstsq's V x d work copy of T̂: keep only P (d x d), or that copy
    # stays alive into the next module's lstsq.
    p = torch.linalg.lstsq(s_hat, t_hat).solution.clone()
    del s_hat, t_hat
    save_file({module: (tensor("donor", module).double() @ p).bfloat16()}, os.path.join(work, "reference-" + module + ".safetensors"))
    ours = torch.from_numpy(np.fromfile(os.path.join(work, "graft-" + module + ".f64"), dtype=np.float64).reshape(p.shape))
    agreement[module] = float(torch.linalg.norm(ours - p) / torch.linalg.norm(p))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "peakFootprintBytes": footprint[0], "agreement": agreement}))
`,
        work,
        String(threads),
      ],
      "reference",
    )
      .trim()
      .split("\n")
      .pop() as string,
  );

  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);
  console.log(
    `\nLEP conversion, V_old 128,256, V_new ${128_256 + newTokens}, d ${hidden}, untied, bf16 (${ours.fitRows} fit rows); ${cpus().length} cores, ${gib(totalmem())} GiB`,
  );
  console.log("| implementation | wall s | peak RSS GiB |");
  console.log("|---|---:|---:|");
  console.log(`| graft lep (float64 normal equations, streamed; whole model written) | ${ours.seconds.toFixed(1)} | ${gib(ours.peakRssBytes)} |`);
  const referenceSeconds = segmentationSeconds + reference.seconds;
  console.log(
    `| reference: A built by the same segmentation code (${segmentationSeconds.toFixed(1)} s), then torch.linalg.lstsq on dense float64 A·S, A·T, X·P (${threads} threads; one tensor loaded at a time; embeddings only written) | ${referenceSeconds.toFixed(1)} | ${gib(reference.peakRssBytes)} |`,
  );
  if (swapBytes() > 0)
    console.log(`this machine has ${gib(swapBytes())} GiB of swap: the reference's peak resident + swapped was ${gib(reference.peakFootprintBytes)} GiB`);
  console.log(
    `time ratio graft/reference: ${(ours.seconds / referenceSeconds).toFixed(2)}, RSS ratio: ${(ours.peakRssBytes / reference.peakRssBytes).toFixed(2)}`,
  );
  for (const [module, error] of Object.entries(reference.agreement as Record<string, number>))
    console.log(`P agreement ${module}: relative difference ${error.toExponential(2)}`);
  for (const module of ours.modules)
    console.log(
      `graft ${module.module}: residual ${module.residual.toExponential(3)}, condition ${module.condition.toExponential(2)}, fit ${module.fitSeconds.toFixed(1)} s, apply ${module.applySeconds.toFixed(1)} s`,
    );
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}

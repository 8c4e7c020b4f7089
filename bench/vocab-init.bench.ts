// Benchmark: embedding initialisation (graft vocab init) at Llama-3 vocabulary scale.
// A 1-layer Llama with the real Llama-3 tokenizer (128,256 rows), hidden size BENCH_INIT_HIDDEN
// (default 2048, Llama-3.2-1B's), BF16, untied head; the tokenizer extended with 32k merges learned
// from data/ru-train.txt.gz. graft `initializeEmbeddings` (mean, merge-tree) vs the usual Python
// route, transformers `resize_token_embeddings` (its default mean resizing) + `save_pretrained`,
// same run; wall time and peak RSS of each in its own process.
// Run: npm run bench vocab-init   (env: BENCH_INIT_HIDDEN=2048, BENCH_INIT_ADD=32000)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const python = process.env.GRAFT_PYTHON ?? join(root, ".venv", "bin", "python");
const hidden = Number(process.env.BENCH_INIT_HIDDEN ?? 2048);
const add = Number(process.env.BENCH_INIT_ADD ?? 32_000);
const work = mkdtempSync(join(tmpdir(), "graft-bench-vocab-init-"));
const model = join(work, "model");
const tokenizer = join(work, "tokenizer");
const source = (name: string) => JSON.stringify(join(root, "packages", name, "src", "index.ts"));

/** Runs a script in its own process under /usr/bin/time; its last stdout line is JSON. */
function measured(command: string, args: string[]): { seconds: number; rssMegabytes: number; result: Record<string, unknown> } {
  const started = performance.now();
  const run = spawnSync("/usr/bin/time", ["-f", "%M", command, ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(run.stderr);
  return { seconds, rssMegabytes: Number(run.stderr.trim().split("\n").pop()) / 1024, result: JSON.parse(run.stdout.trim().split("\n").pop() as string) };
}

function node(name: string, script: string) {
  const file = join(work, `${name}.mts`);
  writeFileSync(file, script);
  return measured(process.execPath, ["--import", "tsx", file]);
}

try {
  node(
    "setup",
    `
import { extendTokenizer } from ${source("vocab")};
import { createTinyModel, fixtureTokenizerDirectory } from ${source("testing")};
await createTinyModel({ out: ${JSON.stringify(model)}, tokenizerDirectory: fixtureTokenizerDirectory("llama3"), architecture: "llama", hiddenSize: ${hidden}, layers: 1, heads: 16, kvHeads: 8, intermediateSize: 64, tieWordEmbeddings: false, dtype: "BF16", seed: 1 });
const report = await extendTokenizer({ base: ${JSON.stringify(model)}, corpus: [${JSON.stringify(join(root, "data", "ru-train.txt.gz"))}], add: ${add}, out: ${JSON.stringify(tokenizer)} });
console.log(JSON.stringify({ added: report.added }));
`,
  );
  const modelMegabytes = statSync(join(model, "model.safetensors")).size / 1e6;
  const rows: string[] = [];
  let graftMean = 0;
  for (const method of ["mean", "merge-tree"]) {
    const run = node(
      `init-${method}`,
      `
import { initializeEmbeddings } from ${source("vocab")};
const report = await initializeEmbeddings({ model: ${JSON.stringify(model)}, tokenizer: ${JSON.stringify(tokenizer)}, method: ${JSON.stringify(method)}, padToMultipleOf: 64, out: ${JSON.stringify(join(work, `out-${method}`))} });
console.log(JSON.stringify({ rows: report.rows, seconds: report.seconds }));
`,
    );
    if (method === "mean") graftMean = run.seconds;
    rows.push(`| graft initializeEmbeddings, ${method} (${run.result.rows} rows) | ${run.seconds.toFixed(1)} | ${run.rssMegabytes.toFixed(0)} |`);
  }
  const peer = measured(python, [
    "-c",
    `
import json, sys
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
model = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.bfloat16)
rows = len(AutoTokenizer.from_pretrained(sys.argv[2]))
model.resize_token_embeddings(rows, pad_to_multiple_of=64)
model.save_pretrained(sys.argv[3])
print(json.dumps({"rows": model.get_input_embeddings().weight.shape[0]}))
`,
    model,
    tokenizer,
    join(work, "out-transformers"),
  ]);
  rows.push(
    `| transformers resize_token_embeddings (mean resizing) + save_pretrained (${peer.result.rows} rows) | ${peer.seconds.toFixed(1)} | ${peer.rssMegabytes.toFixed(0)} |`,
  );
  console.log(`model: 1-layer Llama, Llama-3 tokenizer + ${add} new tokens, hidden ${hidden}, BF16, untied (${modelMegabytes.toFixed(0)} MB of weights)`);
  console.log("| implementation | wall s (process) | peak RSS MB |");
  console.log("| --- | ---: | ---: |");
  for (const row of rows) console.log(row);
  console.log(`ratio graft mean / transformers: ${(graftMean / peer.seconds).toFixed(2)}x wall`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

// GPU benchmark of @graft/train-bridge: a Llama-3-8B-shaped model (random init, bf16), sequence
// length 4096, one GPU; tokens/s and MFU in `full` and `embeddings` mode, and their ratio.
// Run on a CUDA machine:  GRAFT_PYTHON=/path/to/cuda/python node --import tsx bench/train-bridge-gpu.bench.ts
// Options via env: BENCH_STEPS (default 12, the first 2 are warm-up and not counted),
// BENCH_LAYERS (default 32; fewer for a smoke run), BENCH_WORK (scratch directory, needs ~40 GB),
// BENCH_CHECKPOINTING (default 1: gradient checkpointing on; 0 off), BENCH_BATCH (default 1: sequences per step).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTraining, type StepEndEvent, type TrainJob } from "@graft/train-bridge";
import { resolvePython } from "@graft/utils";

const STEPS = Number(process.env.BENCH_STEPS ?? 12);
const WARMUP_STEPS = 2; // first steps include CUDA init and allocator growth
const LAYERS = Number(process.env.BENCH_LAYERS ?? 32);
const SEQ_LEN = 4096;
const CHECKPOINTING = process.env.BENCH_CHECKPOINTING !== "0";
const BATCH = Number(process.env.BENCH_BATCH ?? 1);
const work = process.env.BENCH_WORK ?? join(tmpdir(), "graft-train-bench");
mkdirSync(work, { recursive: true });
const python = resolvePython().path;

// Model (Llama-3-8B shape, random bf16) and random shards, written by transformers + numpy.
execFileSync(
  python,
  [
    "-c",
    `
import json, os, sys, numpy as np, torch
from transformers import LlamaConfig, LlamaForCausalLM
work, layers, seq_len, sequences = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
model_dir = os.path.join(work, "model")
if not os.path.exists(os.path.join(model_dir, "config.json")):
    config = LlamaConfig(vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=layers,
        num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=8192, rope_theta=500000.0, dtype="bfloat16")
    with torch.device("cuda"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(model_dir)
shards = os.path.join(work, "shards"); os.makedirs(shards, exist_ok=True)
rng = np.random.default_rng(0)
np.save(os.path.join(shards, "train-00000.tokens.npy"), rng.integers(0, 128000, size=(sequences, seq_len), dtype=np.uint32))
np.save(os.path.join(shards, "train-00000.mask.npy"), np.ones((sequences, seq_len), dtype=np.uint8))
starts = np.zeros((sequences, seq_len), dtype=np.uint8); starts[:, 0] = 1
np.save(os.path.join(shards, "train-00000.starts.npy"), starts)
json.dump({"format": "graft-shards", "version": 1, "seq_len": seq_len, "tokenizer": {"vocab_size": 128256},
    "sample_format": "plain", "splits": {"train": {"sequences": sequences, "shards": [{"name": "train-00000", "sequences": sequences}]}}},
    open(os.path.join(shards, "manifest.json"), "w"))
`,
    work,
    String(LAYERS),
    String(SEQ_LEN),
    String(STEPS * 2 * BATCH),
  ],
  { stdio: "inherit" },
);

interface Row {
  mode: string;
  tokensPerSecond: number;
  mfu: number | null;
  memory: string;
}
const rows: Row[] = [];
const settings: Record<string, Partial<TrainJob>> = {
  full: { mode: "full", weightsDtype: "bfloat16", gradientCheckpointing: CHECKPOINTING },
  embeddings: { mode: "embeddings", weightsDtype: "bfloat16", gradientCheckpointing: CHECKPOINTING }, // same precision as full: a like-for-like ratio
};
for (const [name, fields] of Object.entries(settings)) {
  rmSync(join(work, `out-${name}`), { recursive: true, force: true });
  const run = runTraining(
    {
      model: join(work, "model"),
      data: join(work, "shards"),
      out: join(work, `out-${name}`),
      mode: "full",
      maxSteps: STEPS,
      perDeviceBatchSize: BATCH,
      learningRate: 1e-5,
      saveSteps: 0,
      resume: false,
      ...fields,
    },
    { onStderr: (line) => process.stderr.write(`${line}\n`) },
  );
  const steps: StepEndEvent[] = [];
  for await (const event of run.events)
    if (event.type === "step-end") {
      steps.push(event);
      process.stderr.write(`${name} step ${event.step} ${Math.round(event.tokens_per_second)} tok/s\n`);
    }
  await run.result;
  rmSync(join(work, `out-${name}`), { recursive: true, force: true }); // 16 GB each: the next run needs the disk
  const counted = steps.slice(WARMUP_STEPS);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  rows.push({
    mode: name,
    tokensPerSecond: mean(counted.map((step) => step.tokens_per_second)),
    mfu: counted[0]?.mfu == null ? null : mean(counted.map((step) => step.mfu ?? 0)),
    memory: "",
  });
}
console.log(`gradient checkpointing ${CHECKPOINTING ? "on" : "off"}, ${BATCH} x ${SEQ_LEN} tokens per step, ${LAYERS} layers`);
console.log(`| mode | tokens/s | MFU |\n|---|---|---|`);
for (const row of rows) console.log(`| ${row.mode} | ${Math.round(row.tokensPerSecond)} | ${row.mfu === null ? "n/a" : `${(100 * row.mfu).toFixed(1)}%`} |`);
const full = rows.find((row) => row.mode === "full")!;
const embeddings = rows.find((row) => row.mode === "embeddings")!;
console.log(`embeddings / full tokens/s: ${(embeddings.tokensPerSecond / full.tokensPerSecond).toFixed(2)}x (target >= 1.3x); full MFU target >= 40%`);

import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { resolvePython } from "@graft/utils";
import {
  TRAINER_PYTHON_PATH,
  TrainJobError,
  formatProgress,
  runTraining,
  slurmBatchScript,
  trainJobToJson,
  validateTrainJob,
  type Launcher,
  type TrainJob,
} from "@graft/train-bridge";
import type { CommandDefinition } from "../command.js";

/** Flags that map one-to-one onto numeric job fields. */
const NUMBER_FLAGS = {
  "max-steps": "maxSteps",
  epochs: "epochs",
  "learning-rate": "learningRate",
  "warmup-steps": "warmupSteps",
  "weight-decay": "weightDecay",
  "batch-size": "perDeviceBatchSize",
  "gradient-accumulation": "gradientAccumulationSteps",
  "save-steps": "saveSteps",
  "eval-steps": "evalSteps",
  seed: "seed",
  "new-token-start": "newTokenStart",
  "lora-rank": "loraRank",
} as const satisfies Record<string, keyof TrainJob>;

function toNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new TrainJobError({ field: flag, reason: `--${flag} is ${JSON.stringify(text)}; expected a number` });
  return value;
}

export const trainCommand: CommandDefinition = {
  name: "train",
  summary: "train a model on token shards (embeddings | full | lora) with the Python trainer, following its progress",
  usage: "--model DIR --data DIR --mode embeddings|full|lora --out DIR [--job FILE] [--processes N] [--slurm-script FILE --nodes N]",
  description:
    "Validates the job, then runs `python -m graft_trainer` (transformers.Trainer) locally, with torchrun on N local processes, or writes a Slurm batch script. The job file holds TrainJob fields (camelCase, see the @graft/train-bridge README); flags override it. Rerunning the same job resumes from its latest checkpoint.",
  options: {
    job: { type: "string", placeholder: "FILE", description: "job JSON with TrainJob fields; flags below override it" },
    model: { type: "string", placeholder: "DIR", description: "input Hugging Face model directory" },
    data: { type: "string", placeholder: "DIR", description: "token shard directory (manifest.json)" },
    mode: { type: "string", placeholder: "MODE", description: "embeddings (LEP) | full (InsCP) | lora" },
    out: { type: "string", placeholder: "DIR", description: "output model directory" },
    ...Object.fromEntries(Object.entries(NUMBER_FLAGS).map(([flag, field]) => [flag, { type: "string" as const, placeholder: "N", description: `job field ${field}` }])),
    "gradient-checkpointing": { type: "boolean", description: "recompute activations to save memory (about a fifth of the throughput on an H200 8B run: use it only when memory requires it)" },
    "reset-positions": { type: "boolean", description: "restart position ids at every document start" },
    processes: { type: "string", placeholder: "N", description: "run N processes on this machine with torchrun" },
    fsdp: { type: "boolean", description: "with --processes: shard parameters with FSDP" },
    "slurm-script": { type: "string", placeholder: "FILE", description: "write a Slurm batch script (and FILE.job.json) instead of training" },
    nodes: { type: "string", placeholder: "N", description: "with --slurm-script: nodes (default 1)" },
    "gpus-per-node": { type: "string", placeholder: "N", description: "with --slurm-script: GPUs per node (default 8)" },
    python: { type: "string", placeholder: "PATH", description: "interpreter (default: GRAFT_PYTHON, else the nearest .venv, else python3)" },
  },
  examples: [
    "graft train --model base-extended --data shards --mode embeddings --out base-lep --max-steps 20000 --learning-rate 2e-4 --warmup-steps 100 --weight-decay 0.1",
    "graft train --job job.json --processes 8 --fsdp --json",
    "graft train --job job.json --slurm-script train.sbatch --nodes 4 --gpus-per-node 8",
  ],
  async run({ values }, context) {
    const fromFile: Record<string, unknown> = values.job ? (JSON.parse(await readFile(String(values.job), "utf8")) as Record<string, unknown>) : {};
    const job: Record<string, unknown> = { ...fromFile };
    if (values.model !== undefined) job.model = String(values.model);
    if (values.data !== undefined) job.data = String(values.data);
    if (values.mode !== undefined) job.mode = String(values.mode);
    if (values.out !== undefined) job.out = String(values.out);
    for (const [flag, field] of Object.entries(NUMBER_FLAGS)) {
      if (values[flag] !== undefined) job[field] = toNumber(flag, String(values[flag]));
    }
    if (values["gradient-checkpointing"]) job.gradientCheckpointing = true;
    if (values["reset-positions"]) job.resetPositions = true;
    const valid = validateTrainJob(job);
    const python = values.python ? String(values.python) : resolvePython().path;

    if (values["slurm-script"]) {
      const scriptPath = resolve(String(values["slurm-script"]));
      const jobFile = `${scriptPath}.job.json`;
      await writeFile(jobFile, JSON.stringify(trainJobToJson(valid), null, 2));
      const nodes = toNumber("nodes", String(values.nodes ?? "1"));
      const gpusPerNode = toNumber("gpus-per-node", String(values["gpus-per-node"] ?? "8"));
      await writeFile(scriptPath, slurmBatchScript({ jobFile, nodes, gpusPerNode, python, trainerPythonPath: TRAINER_PYTHON_PATH }), { mode: 0o755 });
      context.stdout.write(context.json ? `${JSON.stringify({ type: "slurm-script-written", path: scriptPath, job: jobFile })}\n` : `wrote ${scriptPath} and ${jobFile}; submit with: sbatch ${scriptPath}\n`);
      return 0;
    }

    const launcher: Launcher = values.processes
      ? { kind: "torchrun", processesPerNode: toNumber("processes", String(values.processes)), fsdp: Boolean(values.fsdp) }
      : { kind: "local" };
    const controller = new AbortController();
    const onInterrupt = () => controller.abort(new Error("interrupted (SIGINT)"));
    process.once("SIGINT", onInterrupt);
    try {
      const run = runTraining(valid, { launcher, python, signal: controller.signal });
      for await (const event of run.events) {
        if (context.json) context.stdout.write(`${JSON.stringify(event)}\n`);
        else {
          const line = formatProgress(event);
          if (line) context.stdout.write(`${line}\n`);
        }
      }
      await run.result;
      return 0;
    } finally {
      process.removeListener("SIGINT", onInterrupt);
    }
  },
};

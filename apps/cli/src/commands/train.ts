import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  formatProgress,
  type Launcher,
  runTraining,
  slurmBatchScript,
  TRAIN_JOB_FIELDS,
  TRAINER_PYTHON_PATH,
  type TrainJob,
  TrainJobError,
  type TrainJobField,
  type TrainMode,
  trainJobToJson,
  validateTrainJob,
} from "@graft/train-bridge";
import { resolvePython } from "@graft/utils";
import type { CommandDefinition } from "../command.js";
import { type NumberRule, OptionReader } from "../option-reader.js";

/** Every mode, checked by the compiler against `TrainMode`. */
const MODES = Object.keys({ embeddings: true, full: true, lora: true } satisfies Record<TrainMode, true>) as TrainMode[];

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

/** A numeric flag's rule, from the kind of the job field it sets (the job schema stays the one source). */
function numberFlag(field: keyof TrainJob): { integer: boolean; rule: NumberRule } {
  const kind = (TRAIN_JOB_FIELDS.find((candidate) => candidate.name === field) as TrainJobField).kind;
  switch (kind) {
    case "positive":
      return { integer: false, rule: { above: 0 } };
    case "non-negative":
      return { integer: false, rule: { min: 0 } };
    case "positive-integer":
      return { integer: true, rule: { min: 1 } };
    case "non-negative-integer":
      return { integer: true, rule: { min: 0 } };
    case "integer":
      return { integer: true, rule: {} };
    default:
      throw new Error(`job field ${field} (${kind}) is not numeric`);
  }
}

function describeNumberFlag(field: keyof TrainJob): string {
  const { integer, rule } = numberFlag(field);
  const bound = rule.above !== undefined ? ` > ${rule.above}` : rule.min !== undefined ? ` >= ${rule.min}` : "";
  const description = TRAIN_JOB_FIELDS.find((candidate) => candidate.name === field)?.description ?? "";
  return `job field ${field}: ${description} (${integer ? "a whole number" : "a number"}${bound})`;
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
    ...Object.fromEntries(
      Object.entries(NUMBER_FLAGS).map(([flag, field]) => [flag, { type: "string" as const, placeholder: "N", description: describeNumberFlag(field) }]),
    ),
    "gradient-checkpointing": {
      type: "boolean",
      description: "recompute activations to save memory (about a fifth of the throughput on an H200 8B run: use it only when memory requires it)",
    },
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
    const options = new OptionReader("train", values);
    const jobFile = options.string("job");
    // Without a job file the flags are the whole job.
    if (!jobFile) options.require("model", "data", "mode", "out");
    const mode = options.choice("mode", MODES);
    const numbers: Record<string, number> = {};
    for (const [flag, field] of Object.entries(NUMBER_FLAGS)) {
      const { integer, rule } = numberFlag(field);
      const value = integer ? options.integer(flag, rule) : options.number(flag, rule);
      if (value !== undefined) numbers[field] = value;
    }
    const processes = options.integer("processes", { min: 1 });
    const nodes = options.integer("nodes", { min: 1 }) ?? 1;
    const gpusPerNode = options.integer("gpus-per-node", { min: 1 }) ?? 8;
    const fromFile: Record<string, unknown> = jobFile ? await readJobFile(jobFile) : {};
    const job: Record<string, unknown> = { ...fromFile, ...numbers };
    const model = options.string("model");
    const data = options.string("data");
    const out = options.string("out");
    if (model !== undefined) job.model = model;
    if (data !== undefined) job.data = data;
    if (mode !== undefined) job.mode = mode;
    if (out !== undefined) job.out = out;
    if (options.flag("gradient-checkpointing")) job.gradientCheckpointing = true;
    if (options.flag("reset-positions")) job.resetPositions = true;
    const valid = validateTrainJob(job);
    const python = options.string("python") || resolvePython().path;

    const slurmScript = options.string("slurm-script");
    if (slurmScript) {
      const scriptPath = resolve(slurmScript);
      const scriptJobFile = `${scriptPath}.job.json`;
      await writeFile(scriptJobFile, JSON.stringify(trainJobToJson(valid), null, 2));
      await writeFile(scriptPath, slurmBatchScript({ jobFile: scriptJobFile, nodes, gpusPerNode, python, trainerPythonPath: TRAINER_PYTHON_PATH }), {
        mode: 0o755,
      });
      context.stdout.write(
        context.json
          ? `${JSON.stringify({ type: "slurm-script-written", path: scriptPath, job: scriptJobFile })}\n`
          : `wrote ${scriptPath} and ${scriptJobFile}; submit with: sbatch ${scriptPath}\n`,
      );
      return 0;
    }

    const launcher: Launcher = processes ? { kind: "torchrun", processesPerNode: processes, fsdp: options.flag("fsdp") } : { kind: "local" };
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

/** The --job file as an object; malformed JSON is a TrainJobError naming the file. */
async function readJobFile(path: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new TrainJobError({
      field: "(file)",
      reason: `${path} is not valid JSON (${error.message}); write the job as one JSON object (graft train --help lists its fields)`,
    });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new TrainJobError({ field: "(file)", reason: `${path} must hold one JSON object of job fields` });
  return parsed as Record<string, unknown>;
}

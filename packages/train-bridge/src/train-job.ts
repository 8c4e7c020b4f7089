import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { TrainJobError } from "./train-job-error.js";

export type TrainMode = "embeddings" | "full" | "lora";

/** A training job. Written to disk as JSON with snake_case keys (the `key` column of `TRAIN_JOB_FIELDS`). */
export interface TrainJob {
  model: string;
  data: string;
  /** The model directory to create (the job file's `output` key). */
  out: string;
  mode: TrainMode;
  checkpointDirectory?: string;
  learningRate?: number;
  warmupSteps?: number;
  weightDecay?: number;
  perDeviceBatchSize?: number;
  gradientAccumulationSteps?: number;
  maxSteps?: number;
  epochs?: number;
  seed?: number;
  maxGradNorm?: number;
  gradientCheckpointing?: boolean;
  weightsDtype?: "float32" | "bfloat16";
  bf16?: boolean;
  resetPositions?: boolean;
  evalSteps?: number;
  saveSteps?: number;
  saveTotalLimit?: number;
  resume?: boolean;
  newTokenStart?: number;
  loraRank?: number;
  loraAlpha?: number;
  loraDropout?: number;
  loraTargetModules?: string[];
  loraModulesToSave?: string[];
}

type FieldKind =
  | "weights-dtype"
  | "directory-in"
  | "shards"
  | "directory-out"
  | "path"
  | "mode"
  | "positive"
  | "non-negative"
  | "integer"
  | "positive-integer"
  | "non-negative-integer"
  | "boolean"
  | "strings"
  | "fraction";

export interface TrainJobField {
  name: keyof TrainJob;
  key: string;
  kind: FieldKind;
  required: boolean;
  description: string;
}

/** The job schema: one row per field (the README's table is this table). */
export const TRAIN_JOB_FIELDS: readonly TrainJobField[] = [
  { name: "model", key: "model", kind: "directory-in", required: true, description: "input HF model directory (config.json + safetensors)" },
  { name: "data", key: "data", kind: "shards", required: true, description: "token shard directory (manifest.json, docs/contracts.md)" },
  { name: "out", key: "output", kind: "directory-out", required: true, description: "HF model directory to create (written to a temp sibling, renamed)" },
  {
    name: "mode",
    key: "mode",
    kind: "mode",
    required: true,
    description: "`embeddings` (LEP: embed_tokens + lm_head only), `full` (InsCP), `lora` (peft, merged at the end)",
  },
  { name: "checkpointDirectory", key: "checkpoint_dir", kind: "path", required: false, description: "checkpoints (default `<out>.checkpoints`)" },
  { name: "learningRate", key: "learning_rate", kind: "positive", required: false, description: "peak learning rate (default 1e-4), cosine decay" },
  { name: "warmupSteps", key: "warmup_steps", kind: "non-negative-integer", required: false, description: "linear warm-up steps (default 0)" },
  { name: "weightDecay", key: "weight_decay", kind: "non-negative", required: false, description: "AdamW weight decay (default 0)" },
  {
    name: "perDeviceBatchSize",
    key: "per_device_batch_size",
    kind: "positive-integer",
    required: false,
    description: "sequences per device per micro-step (default 1)",
  },
  {
    name: "gradientAccumulationSteps",
    key: "gradient_accumulation_steps",
    kind: "positive-integer",
    required: false,
    description: "micro-steps per optimizer step (default 1)",
  },
  { name: "maxSteps", key: "max_steps", kind: "positive-integer", required: false, description: "optimizer steps; overrides `epochs`" },
  { name: "epochs", key: "epochs", kind: "positive", required: false, description: "epochs over the train split (default 1)" },
  { name: "seed", key: "seed", kind: "non-negative-integer", required: false, description: "seed of init, dropout and data order (default 42)" },
  { name: "maxGradNorm", key: "max_grad_norm", kind: "positive", required: false, description: "gradient clipping norm (default 1)" },
  { name: "gradientCheckpointing", key: "gradient_checkpointing", kind: "boolean", required: false, description: "recompute activations (default false)" },
  {
    name: "weightsDtype",
    key: "weights_dtype",
    kind: "weights-dtype",
    required: false,
    description: "dtype of the trained weights: `float32` (default, fp32 master weights) or `bfloat16` (pure bf16, halves memory)",
  },
  { name: "bf16", key: "bf16", kind: "boolean", required: false, description: "bf16 autocast (default: on with CUDA, off on CPU)" },
  {
    name: "resetPositions",
    key: "reset_positions",
    kind: "boolean",
    required: false,
    description: "restart position_ids at every document start (default false)",
  },
  { name: "evalSteps", key: "eval_steps", kind: "non-negative-integer", required: false, description: "evaluate on the valid split every N steps (0: never)" },
  { name: "saveSteps", key: "save_steps", kind: "non-negative-integer", required: false, description: "checkpoint every N steps (0: never)" },
  { name: "saveTotalLimit", key: "save_total_limit", kind: "positive-integer", required: false, description: "checkpoints kept (default 2)" },
  { name: "resume", key: "resume", kind: "boolean", required: false, description: "resume from the latest checkpoint when one exists (default true)" },
  {
    name: "newTokenStart",
    key: "new_token_start",
    kind: "non-negative-integer",
    required: false,
    description: "embeddings mode: only rows with id >= this train",
  },
  { name: "loraRank", key: "lora_rank", kind: "positive-integer", required: false, description: "LoRA rank (default 16)" },
  { name: "loraAlpha", key: "lora_alpha", kind: "positive-integer", required: false, description: "LoRA alpha (default 32)" },
  { name: "loraDropout", key: "lora_dropout", kind: "fraction", required: false, description: "LoRA dropout (default 0)" },
  {
    name: "loraTargetModules",
    key: "lora_target_modules",
    kind: "strings",
    required: false,
    description: "modules wrapped by LoRA (default all attention + MLP projections)",
  },
  {
    name: "loraModulesToSave",
    key: "lora_modules_to_save",
    kind: "strings",
    required: false,
    description: "modules trained in full beside LoRA, e.g. `embed_tokens`, `lm_head`",
  },
];

const MODES: readonly TrainMode[] = ["embeddings", "full", "lora"];

function checkField(field: TrainJobField, value: unknown): string | undefined {
  const number = typeof value === "number" && Number.isFinite(value) ? value : undefined;
  switch (field.kind) {
    case "directory-in":
      if (typeof value !== "string" || value === "") return "must be a directory path";
      if (!existsSync(join(value, "config.json"))) return `${value} has no config.json; pass a Hugging Face model directory`;
      return undefined;
    case "shards":
      if (typeof value !== "string" || value === "") return "must be a directory path";
      if (!existsSync(join(value, "manifest.json"))) return `${value} has no manifest.json; pass a shard directory written by \`graft corpus\``;
      return undefined;
    case "directory-out":
      if (typeof value !== "string" || value === "") return "must be a directory path";
      if (!existsSync(dirname(resolve(value)))) return `the parent of ${value} does not exist; create it first`;
      if (existsSync(value) && !statSync(value).isDirectory()) return `${value} exists and is not a directory`;
      return undefined;
    case "path":
      return typeof value === "string" && value !== "" ? undefined : "must be a path";
    case "mode":
      return MODES.includes(value as TrainMode) ? undefined : `is ${JSON.stringify(value)}; expected one of ${MODES.join(", ")}`;
    case "weights-dtype":
      return value === "float32" || value === "bfloat16" ? undefined : `is ${JSON.stringify(value)}; expected "float32" or "bfloat16"`;
    case "boolean":
      return typeof value === "boolean" ? undefined : `is ${JSON.stringify(value)}; expected true or false`;
    case "strings":
      return Array.isArray(value) && value.every((item) => typeof item === "string" && item !== "") ? undefined : "must be a list of module names";
    case "positive":
      return number !== undefined && number > 0 ? undefined : `is ${JSON.stringify(value)}; expected a number > 0`;
    case "non-negative":
      return number !== undefined && number >= 0 ? undefined : `is ${JSON.stringify(value)}; expected a number >= 0`;
    case "fraction":
      return number !== undefined && number >= 0 && number < 1 ? undefined : `is ${JSON.stringify(value)}; expected a number in [0, 1)`;
    case "integer":
      return Number.isInteger(value) ? undefined : `is ${JSON.stringify(value)}; expected an integer`;
    case "positive-integer":
      return Number.isInteger(value) && (value as number) > 0 ? undefined : `is ${JSON.stringify(value)}; expected an integer > 0`;
    case "non-negative-integer":
      return Number.isInteger(value) && (value as number) >= 0 ? undefined : `is ${JSON.stringify(value)}; expected an integer >= 0`;
  }
}

/** Checks every field (type, range, that input directories exist); throws `TrainJobError` naming the field. */
export function validateTrainJob(job: unknown): TrainJob {
  if (job === null || typeof job !== "object" || Array.isArray(job)) throw new TrainJobError({ field: "(job)", reason: "must be an object" });
  const record = job as Record<string, unknown>;
  const known = new Set<string>(TRAIN_JOB_FIELDS.map((field) => field.name));
  for (const name of Object.keys(record)) {
    if (!known.has(name)) throw new TrainJobError({ field: name, reason: `is not a job field; known fields: ${[...known].join(", ")}` });
  }
  for (const field of TRAIN_JOB_FIELDS) {
    const value = record[field.name];
    if (value === undefined) {
      if (field.required) throw new TrainJobError({ field: field.name, reason: `is required (${field.description})` });
      continue;
    }
    const reason = checkField(field, value);
    if (reason) throw new TrainJobError({ field: field.name, reason });
  }
  const typed = record as unknown as TrainJob;
  if (typed.mode !== "embeddings" && typed.newTokenStart !== undefined) {
    throw new TrainJobError({ field: "newTokenStart", reason: `applies to mode \`embeddings\` only, not \`${typed.mode}\`` });
  }
  if (resolve(typed.out) === resolve(typed.model)) throw new TrainJobError({ field: "out", reason: "is the input model directory; choose a new directory" });
  return typed;
}

/** The on-disk job file the Python trainer reads (snake_case keys). */
export function trainJobToJson(job: TrainJob, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of TRAIN_JOB_FIELDS) {
    const value = job[field.name];
    if (value !== undefined) out[field.key] = value;
  }
  return { ...out, ...extra };
}

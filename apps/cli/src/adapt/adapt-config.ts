import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { GraftError } from "@graft/hf";
import { parse } from "yaml";

/** `graft adapt`'s configuration (YAML or JSON). Paths are relative to the config file. */
export interface AdaptConfig {
  /** The base model (LEP trains its embeddings). */
  base: string;
  /** The instruct model of the same base. */
  instruct: string;
  /** Target language (ISO 639-1) and its Unicode script. */
  language: string;
  script?: string;
  /** Target-language text for the vocabulary and the continued pre-training. */
  corpus: string[];
  /** Documents read from the corpus (default: all). */
  maxDocuments?: number;
  /** Work directory: one sub-directory per stage, logs, the report. */
  out: string;
  vocab: { add: number; mergeOrder?: "append" | "prepend"; padToMultipleOf?: number; init?: "mean" | "merge-tree" };
  sequenceLength: number;
  embeddings: TrainSettings;
  lep: { mode?: "conversion" | "overlap" | "swap"; ridge?: number };
  /** InsCP: on the LEP result and/or on the original instruct model; omit to skip. */
  inscp?: TrainSettings & { on: ("lep" | "instruct")[]; mode?: "full" | "lora" };
  eval: { heldout: string; heldoutEnglish?: string; prompts?: string[]; tasks?: string[]; alignmentPrompts?: number; heldoutCharacters?: number };
  /** Training launcher: local (default) or torchrun with N processes. */
  launcher?: { type: "local" } | { type: "torchrun"; processesPerNode: number };
}

export interface TrainSettings {
  maxSteps: number;
  learningRate: number;
  batchSize?: number;
  gradientAccumulationSteps?: number;
  warmupSteps?: number;
  weightDecay?: number;
  seed?: number;
}

export class AdaptConfigError extends GraftError {
  readonly path: string;
  readonly field: string;

  constructor({ path, field, message }: { path: string; field: string; message: string }) {
    super({ name: "AdaptConfigError", message: `${path}: ${field}: ${message}` });
    this.path = path;
    this.field = field;
  }
}

/** A commented example, written by `graft adapt --init`. */
export const EXAMPLE_CONFIG = `# graft adapt: adapt an instruct model to a new language (LEP + InsCP).
# Paths are relative to this file. Stages: vocab -> init -> corpus-extended -> embeddings -> lep
# -> (corpus-inscp-* -> inscp-*) -> eval. A rerun skips finished stages.
base: models/llama-3-8b                 # the base model: its embeddings are trained
instruct: models/llama-3-8b-instruct    # the instruct model of the same base
language: ru                            # ISO 639-1
script: Cyrillic                        # Unicode script of the language
corpus: [data/ru-train.txt.gz]          # .txt/.jsonl(.gz) files or directories
# maxDocuments: 100000                  # read only the first N documents
out: runs/adapt-ru
vocab:
  add: 32000                            # new tokens (merges)
  mergeOrder: append                    # append | prepend
  padToMultipleOf: 64
  init: mean                            # mean | merge-tree
sequenceLength: 2048
embeddings:                             # embedding-only CP of the base (LEP stage 3)
  maxSteps: 20000
  learningRate: 2.0e-4
  batchSize: 8
  gradientAccumulationSteps: 32
  warmupSteps: 100
  weightDecay: 0.1
lep:
  mode: conversion                      # conversion | overlap | swap
inscp:                                  # optional: InsCP on the LEP result and/or the original instruct model
  on: [lep, instruct]
  mode: full                            # full | lora
  maxSteps: 2000
  learningRate: 1.0e-5
  batchSize: 8
eval:
  heldout: data/ru-heldout.txt.gz
  heldoutEnglish: data/en-heldout.txt.gz
  prompts: [data/prompts-ru.jsonl, data/prompts-en.jsonl]
  tasks: [data/tasks-ru-translation.jsonl]
launcher:
  type: local                           # local | torchrun (processesPerNode: N)
`;

function requireField(condition: boolean, path: string, field: string, message: string): void {
  if (!condition) throw new AdaptConfigError({ path, field, message });
}

function validateTrain(settings: unknown, path: string, field: string): TrainSettings {
  const value = settings as Partial<TrainSettings> | undefined;
  requireField(!!value && typeof value === "object", path, field, "must be a mapping with maxSteps and learningRate");
  requireField(Number.isInteger(value?.maxSteps) && (value?.maxSteps ?? 0) > 0, path, `${field}.maxSteps`, "must be a positive integer");
  requireField(typeof value?.learningRate === "number" && value.learningRate > 0, path, `${field}.learningRate`, "must be a positive number");
  return value as TrainSettings;
}

/** Parses and validates a config; errors name the field. Relative paths become absolute. */
export function parseAdaptConfig(text: string, path: string): AdaptConfig {
  let raw: unknown;
  try {
    raw = path.endsWith(".json") ? JSON.parse(text) : parse(text);
  } catch (error) {
    throw new AdaptConfigError({ path, field: "(file)", message: `not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${(error as Error).message}` });
  }
  const config = raw as AdaptConfig;
  requireField(!!config && typeof config === "object", path, "(file)", "must be a mapping; see graft adapt --init");
  for (const field of ["base", "instruct", "language", "out"] as const) requireField(typeof config[field] === "string" && config[field] !== "", path, field, "is required (a string)");
  requireField(Array.isArray(config.corpus) && config.corpus.length > 0 && config.corpus.every((entry) => typeof entry === "string"), path, "corpus", "must be a non-empty list of paths");
  requireField(Number.isInteger(config.vocab?.add) && config.vocab.add > 0, path, "vocab.add", "must be a positive integer");
  requireField(Number.isInteger(config.sequenceLength) && config.sequenceLength > 1, path, "sequenceLength", "must be an integer > 1");
  validateTrain(config.embeddings, path, "embeddings");
  requireField(!!config.lep && typeof config.lep === "object", path, "lep", "is required (e.g. { mode: conversion })");
  if (config.inscp) {
    validateTrain(config.inscp, path, "inscp");
    requireField(Array.isArray(config.inscp.on) && config.inscp.on.length > 0 && config.inscp.on.every((on) => on === "lep" || on === "instruct"), path, "inscp.on", "must list lep and/or instruct");
  }
  requireField(typeof config.eval?.heldout === "string", path, "eval.heldout", "is required (held-out target-language text)");
  const base = dirname(resolve(path));
  const absolute = (entry: string) => (isAbsolute(entry) ? entry : resolve(base, entry));
  return {
    ...config,
    base: absolute(config.base),
    instruct: absolute(config.instruct),
    corpus: config.corpus.map(absolute),
    out: absolute(config.out),
    eval: {
      ...config.eval,
      heldout: absolute(config.eval.heldout),
      heldoutEnglish: config.eval.heldoutEnglish ? absolute(config.eval.heldoutEnglish) : undefined,
      prompts: config.eval.prompts?.map(absolute),
      tasks: config.eval.tasks?.map(absolute),
    },
  };
}

export async function loadAdaptConfig(path: string): Promise<AdaptConfig> {
  return parseAdaptConfig(await readFile(path, "utf8"), path);
}

import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import { AdaptConfigError } from "./adapt-config-error.js";
import { applyProfile } from "./apply-profile.js";
import { type FieldSchema, validateMapping } from "./config-schema.js";

export { AdaptConfigError } from "./adapt-config-error.js";
export { EXAMPLE_CONFIG } from "./example-config.js";
export { EXAMPLE_INSTRUCT_ONLY_CONFIG } from "./example-instruct-only-config.js";

/** Optimisation settings of a training stage (passed to @graft/train-bridge). */
export interface TrainSettings {
  maxSteps: number;
  learningRate: number;
  batchSize?: number;
  gradientAccumulationSteps?: number;
  warmupSteps?: number;
  weightDecay?: number;
  seed?: number;
  /** Checkpoint every N steps (a killed run resumes from the latest); default a quarter of maxSteps. */
  checkpointSteps?: number;
  evalSteps?: number;
  maxGradNorm?: number;
  gradientCheckpointing?: boolean;
  weightsDtype?: "float32" | "bfloat16";
}

export type Launcher =
  | { type: "local" }
  | { type: "torchrun"; processesPerNode: number; fsdp?: boolean }
  | { type: "slurm"; nodes: number; gpusPerNode: number; partition?: string; timeLimit?: string };

/** `graft adapt`'s configuration (YAML or JSON). Relative paths are relative to the config file. */
export interface AdaptConfig {
  /**
   * The base model (its embeddings are trained on the new vocabulary, then LEP carries them into
   * the instruct model). Omit it for instruct-only adaptation: the vocabulary is extended on the
   * instruct model itself and its embeddings are trained on InsCP-wrapped text (no `lep`).
   */
  base?: string;
  /** The instruct model (of the same base, when `base` is given). */
  instruct: string;
  /** Target language (ISO 639-1) and its Unicode script. */
  language: string;
  script?: string;
  /** Work directory: one sub-directory per stage, logs/, the report. */
  out: string;
  corpus: {
    inputs: string[];
    maxDocuments?: number;
    languageFilter?: boolean;
    languageThreshold?: number;
    minCharacters?: number;
    dedup?: "exact" | "none";
    /** Text of another language (English) mixed into every training set, so the model keeps it: see `ReplaySettings`. */
    replay?: ReplaySettings;
  };
  vocab: { add: number; mergeOrder?: "append" | "prepend"; minFrequency?: number; padToMultipleOf?: number; init?: "mean" | "merge-tree" };
  sequenceLength: number;
  /**
   * Embedding-only CP: of the base (LEP step 3) on plain text, or, instruct-only, of the
   * vocabulary-adapted instruct model on InsCP-wrapped text. `newTokensOnly`: only the new rows train.
   */
  embeddings: TrainSettings & { newTokensOnly?: boolean };
  /** LEP's propagation; needs `base` (absent, and undefined, in an instruct-only config). */
  lep?: { mode?: "conversion" | "overlap" | "swap"; ridge?: number };
  /**
   * InsCP, omit to skip: on the LEP result (`lep`, needs `base`), on the original instruct model
   * (`instruct`), on the vocabulary-adapted instruct model after its embeddings CP (`embeddings`,
   * instruct-only configs).
   */
  inscp?: TrainSettings & { on: InscpTarget[]; mode?: "full" | "lora"; loraRank?: number; loraAlpha?: number };
  eval: {
    heldout: string;
    heldoutEnglish?: string;
    prompts?: string[];
    tasks?: string[];
    alignmentPrompts?: number;
    heldoutCharacters?: number;
    threads?: number;
  };
  launcher?: Launcher;
}

/**
 * Replay: documents of the model's original language interleaved with the target-language corpus in
 * every training set (not in the vocabulary's corpus), `share` of the characters, so that continued
 * pre-training does not wash out what the model knew (the usual cure for forgetting in CP).
 */
export interface ReplaySettings {
  inputs: string[];
  /** Share of the training characters that are replay text, in (0, 1); e.g. 0.25. */
  share: number;
  /** The replay text's language (ISO 639-1), kept by the language filter; default en. */
  language?: string;
  /** Language-filter the replay text too (default true). */
  languageFilter?: boolean;
  /** Replay documents read at most (default: as many as the share needs). */
  maxDocuments?: number;
}

/** Options of `parseAdaptConfig` and `loadAdaptConfig`. */
export interface ParseAdaptConfigOptions {
  /** The profile (a name under the file's `profiles`) merged over the file; default its `defaultProfile`. */
  profile?: string;
}

/** The models InsCP may train (`inscp.on`). */
export type InscpTarget = "lep" | "instruct" | "embeddings";
const INSCP_TARGETS: readonly InscpTarget[] = ["lep", "instruct", "embeddings"];

const TRAIN_FIELDS: Record<string, FieldSchema> = {
  maxSteps: { type: "integer", required: true, min: 1 },
  learningRate: { type: "number", required: true, exclusiveMin: 0 },
  batchSize: { type: "integer", min: 1 },
  gradientAccumulationSteps: { type: "integer", min: 1 },
  warmupSteps: { type: "integer", min: 0 },
  weightDecay: { type: "number", min: 0 },
  seed: { type: "integer", min: 0 },
  checkpointSteps: { type: "integer", min: 0 },
  evalSteps: { type: "integer", min: 0 },
  maxGradNorm: { type: "number", exclusiveMin: 0 },
  gradientCheckpointing: { type: "boolean" },
  weightsDtype: { type: "string", values: ["float32", "bfloat16"] },
};

const LAUNCHERS = ["local", "torchrun", "slurm"] as const;
const LAUNCHER_FIELDS: Record<(typeof LAUNCHERS)[number], Record<string, FieldSchema>> = {
  local: { type: { type: "string", values: LAUNCHERS } },
  torchrun: { type: { type: "string", values: LAUNCHERS }, processesPerNode: { type: "integer", required: true, min: 1 }, fsdp: { type: "boolean" } },
  slurm: {
    type: { type: "string", values: LAUNCHERS },
    nodes: { type: "integer", required: true, min: 1 },
    gpusPerNode: { type: "integer", required: true, min: 1 },
    partition: { type: "string" },
    timeLimit: { type: "string" },
  },
};

/** The whole schema; the launcher's fields depend on its type and are checked on their own. */
const CONFIG_FIELDS: Record<string, FieldSchema> = {
  base: { type: "string" },
  instruct: { type: "string", required: true },
  language: { type: "string", required: true },
  script: { type: "string" },
  out: { type: "string", required: true },
  corpus: {
    type: "mapping",
    required: true,
    fields: {
      inputs: { type: "strings", required: true, nonEmpty: true },
      maxDocuments: { type: "integer", min: 1 },
      languageFilter: { type: "boolean" },
      languageThreshold: { type: "number", min: 0, max: 1 },
      minCharacters: { type: "integer", min: 0 },
      dedup: { type: "string", values: ["exact", "none"] },
      replay: {
        type: "mapping",
        fields: {
          inputs: { type: "strings", required: true, nonEmpty: true },
          share: { type: "number", required: true, exclusiveMin: 0, max: 0.9 },
          language: { type: "string" },
          languageFilter: { type: "boolean" },
          maxDocuments: { type: "integer", min: 1 },
        },
      },
    },
  },
  vocab: {
    type: "mapping",
    required: true,
    fields: {
      add: { type: "integer", required: true, min: 1 },
      mergeOrder: { type: "string", values: ["append", "prepend"] },
      minFrequency: { type: "integer", min: 1 },
      padToMultipleOf: { type: "integer", min: 1 },
      init: { type: "string", values: ["mean", "merge-tree"] },
    },
  },
  sequenceLength: { type: "integer", required: true, min: 2 },
  embeddings: { type: "mapping", required: true, fields: { ...TRAIN_FIELDS, newTokensOnly: { type: "boolean" } } },
  lep: { type: "mapping", fields: { mode: { type: "string", values: ["conversion", "overlap", "swap"] }, ridge: { type: "number", min: 0 } } },
  inscp: {
    type: "mapping",
    fields: {
      ...TRAIN_FIELDS,
      on: { type: "strings", required: true, nonEmpty: true, values: INSCP_TARGETS },
      mode: { type: "string", values: ["full", "lora"] },
      loraRank: { type: "integer", min: 1 },
      loraAlpha: { type: "integer", min: 1 },
    },
  },
  eval: {
    type: "mapping",
    required: true,
    fields: {
      heldout: { type: "string", required: true },
      heldoutEnglish: { type: "string" },
      prompts: { type: "strings" },
      tasks: { type: "strings" },
      alignmentPrompts: { type: "integer", min: 0 },
      heldoutCharacters: { type: "integer", min: 100 },
      threads: { type: "integer", min: 1 },
    },
  },
  launcher: {
    type: "mapping",
    fields: {
      type: { type: "string", required: true, values: LAUNCHERS },
      processesPerNode: { type: "integer" },
      fsdp: { type: "boolean" },
      nodes: { type: "integer" },
      gpusPerNode: { type: "integer" },
      partition: { type: "string" },
      timeLimit: { type: "string" },
    },
  },
};

/**
 * Parses and validates a config (YAML, or JSON for `.json` files). Every error is an
 * `AdaptConfigError` naming the field. `corpus` may also be a plain list of inputs. Relative paths
 * become absolute (against the config file's directory). Paths are not checked here: see `checkAdaptPaths`.
 * A file may hold `profiles` (named partial configs, e.g. `cpu`, `gpu`) and a `defaultProfile`: the
 * chosen one (`options.profile`, else the default) is merged over the rest before validation.
 */
export function parseAdaptConfig(text: string, path: string, options: ParseAdaptConfigOptions = {}): AdaptConfig {
  let raw: unknown;
  try {
    raw = path.endsWith(".json") ? JSON.parse(text) : parse(text);
  } catch (error) {
    throw new AdaptConfigError({ path, field: "(file)", message: `not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${(error as Error).message}` });
  }
  const profiled = applyProfile(raw, path, options.profile);
  raw = profiled.raw;
  if (raw && typeof raw === "object" && Array.isArray((raw as { corpus?: unknown }).corpus))
    raw = { ...raw, corpus: { inputs: (raw as { corpus: unknown }).corpus } };
  try {
    validateMapping(raw, CONFIG_FIELDS, path);
  } catch (error) {
    // A field may come from the profile rather than the file's top level: say which profile was merged.
    if (profiled.profile !== undefined && AdaptConfigError.isInstance(error))
      throw new AdaptConfigError({ path: error.path, field: error.field, message: `${error.detail} (with profile ${profiled.profile} merged)` });
    throw error;
  }
  const config = raw as AdaptConfig;
  if (config.launcher) validateMapping(config.launcher, LAUNCHER_FIELDS[config.launcher.type], path, "launcher.");
  if (!/^[a-z]{2,3}$/.test(config.language))
    throw new AdaptConfigError({ path, field: "language", message: `must be an ISO 639 code such as ru, not ${JSON.stringify(config.language)}` });
  const replayLanguage = config.corpus.replay?.language;
  if (replayLanguage !== undefined && !/^[a-z]{2,3}$/.test(replayLanguage))
    throw new AdaptConfigError({ path, field: "corpus.replay.language", message: `must be an ISO 639 code such as en, not ${JSON.stringify(replayLanguage)}` });
  if (replayLanguage === config.language)
    throw new AdaptConfigError({
      path,
      field: "corpus.replay.language",
      message: `is the target language ${config.language}; replay is text of the model's original language (e.g. en), mixed in so it is not forgotten`,
    });
  checkPipelineShape(config, path);
  const directory = dirname(resolve(path));
  const absolute = (entry: string) => (isAbsolute(entry) ? entry : resolve(directory, entry));
  return {
    ...config,
    base: config.base === undefined ? undefined : absolute(config.base),
    instruct: absolute(config.instruct),
    out: absolute(config.out),
    corpus: {
      ...config.corpus,
      inputs: config.corpus.inputs.map(absolute),
      replay: config.corpus.replay ? { ...config.corpus.replay, inputs: config.corpus.replay.inputs.map(absolute) } : undefined,
    },
    lep: config.base === undefined ? undefined : (config.lep ?? {}),
    eval: {
      ...config.eval,
      heldout: absolute(config.eval.heldout),
      heldoutEnglish: config.eval.heldoutEnglish ? absolute(config.eval.heldoutEnglish) : undefined,
      prompts: config.eval.prompts?.map(absolute),
      tasks: config.eval.tasks?.map(absolute),
    },
  };
}

/**
 * The rules between sections: LEP (the `lep` section, InsCP on `lep`) needs a base model to
 * propagate from; InsCP on `embeddings` names the instruct-only pipeline's model, which a config
 * with a base does not make (its embeddings CP trains the base, not a chat model).
 */
function checkPipelineShape(config: AdaptConfig, path: string): void {
  const on = config.inscp?.on ?? [];
  if (config.base === undefined) {
    if (config.lep !== undefined)
      throw new AdaptConfigError({
        path,
        field: "lep",
        message: "needs base: LEP propagates embeddings a base model learned; give base, or remove lep for instruct-only adaptation",
      });
    if (on.includes("lep"))
      throw new AdaptConfigError({
        path,
        field: "inscp.on",
        message: "lists lep, which needs base; without base InsCP may run on embeddings (the vocabulary-adapted instruct model) and instruct",
      });
  } else if (on.includes("embeddings"))
    throw new AdaptConfigError({
      path,
      field: "inscp.on",
      message: "lists embeddings, the instruct-only pipeline's model (no base); with base, InsCP runs on lep and instruct",
    });
}

/** Every path a config reads, checked before any work: models need config.json and tokenizer.json, inputs must exist. */
export function checkAdaptPaths(config: AdaptConfig, path = "config"): void {
  const problem = (field: string, message: string) => new AdaptConfigError({ path, field, message });
  for (const field of ["base", "instruct"] as const) {
    const directory = config[field];
    if (directory === undefined) continue;
    if (!existsSync(directory) || !statSync(directory).isDirectory())
      throw problem(field, `${directory} is not a directory; give a Hugging Face model directory`);
    for (const file of ["config.json", "tokenizer.json"])
      if (!existsSync(join(directory, file))) throw problem(field, `${directory} has no ${file}; give a Hugging Face model directory (with a fast tokenizer)`);
  }
  const files: [string, string | undefined][] = [
    ...config.corpus.inputs.map((input, index): [string, string] => [`corpus.inputs[${index}]`, input]),
    ...(config.corpus.replay?.inputs ?? []).map((input, index): [string, string] => [`corpus.replay.inputs[${index}]`, input]),
    ["eval.heldout", config.eval.heldout],
    ["eval.heldoutEnglish", config.eval.heldoutEnglish],
    ...(config.eval.prompts ?? []).map((prompt, index): [string, string] => [`eval.prompts[${index}]`, prompt]),
    ...(config.eval.tasks ?? []).map((task, index): [string, string] => [`eval.tasks[${index}]`, task]),
  ];
  for (const [field, file] of files) if (file !== undefined && !existsSync(file)) throw problem(field, `${file} does not exist`);
}

/** Reads, validates and checks the paths of a config file. */
export async function loadAdaptConfig(path: string, options: ParseAdaptConfigOptions = {}): Promise<AdaptConfig> {
  if (!existsSync(path)) throw new AdaptConfigError({ path, field: "(file)", message: "no such file; write an example with graft adapt --init FILE" });
  const config = parseAdaptConfig(await readFile(path, "utf8"), path, options);
  checkAdaptPaths(config, path);
  return config;
}

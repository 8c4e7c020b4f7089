import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Launcher as BridgeLauncher, runTraining, type TrainEvent, type TrainJob, type TrainMode } from "@graft/train-bridge";
import { EXTENSION_REPORT_FILE } from "@graft/vocab";
import type { AdaptConfig, TrainSettings } from "./adapt-config.js";
import type { Stage, StageContext } from "./stage.js";

/** Checkpoints per run when the config does not say: a killed run loses at most a quarter of it. */
const DEFAULT_CHECKPOINTS_PER_RUN = 4;
/** Step-end events shown per run (every one is logged): the progress display stays readable. */
const PROGRESS_LINES_PER_RUN = 20;

export interface TrainStageOptions {
  name: string;
  mode: TrainMode;
  settings: TrainSettings & { newTokensOnly?: boolean; loraRank?: number; loraAlpha?: number };
  /** The model trained: an upstream stage or a directory outside the pipeline. */
  model: { stage: string } | { directory: string };
  /** The shard stage feeding it. */
  data: string;
}

/** The config's launcher as the bridge's; a Slurm job's files go to the stage's resume directory (on the shared file system with the rest of `out`). */
function bridgeLauncher(config: AdaptConfig, jobName: string, resumeDirectory: string): BridgeLauncher {
  const launcher = config.launcher;
  if (launcher?.type === "torchrun") return { kind: "torchrun", processesPerNode: launcher.processesPerNode, fsdp: launcher.fsdp ?? true };
  if (launcher?.type === "slurm")
    return {
      kind: "slurm",
      nodes: launcher.nodes,
      gpusPerNode: launcher.gpusPerNode,
      partition: launcher.partition,
      timeLimit: launcher.timeLimit,
      jobName,
      directory: resumeDirectory,
    };
  return { kind: "local" };
}

/** The first id of the extended vocabulary (the vocab stage's report), for `newTokensOnly`. */
function firstNewId(vocabDirectory: string): number {
  return (JSON.parse(readFileSync(join(vocabDirectory, EXTENSION_REPORT_FILE), "utf8")) as { firstNewId: number }).firstNewId;
}

/**
 * A training stage (@graft/train-bridge): `embeddings` (LEP's embedding-only CP of the base) or
 * `full` / `lora` (InsCP). Checkpoints go to the stage's resume directory, so a killed run resumes
 * from the latest one; the launcher (local, torchrun, Slurm) comes from the config.
 */
export function trainStage(config: AdaptConfig, options: TrainStageOptions): Stage {
  const { settings } = options;
  const usesVocab = options.settings.newTokensOnly === true;
  return {
    name: options.name,
    description: `${options.mode} training, ${settings.maxSteps} steps`,
    settings: { mode: options.mode, train: settings, sequenceLength: config.sequenceLength, launcher: config.launcher ?? { type: "local" } },
    after: [...("stage" in options.model ? [options.model.stage] : []), options.data, ...(usesVocab ? ["vocab"] : [])],
    inputs: "directory" in options.model ? [options.model.directory] : [],
    run: async (context) => {
      const model = "stage" in options.model ? context.upstream(options.model.stage) : options.model.directory;
      const job: TrainJob = {
        model,
        data: context.upstream(options.data),
        out: context.out,
        mode: options.mode,
        checkpointDirectory: join(context.resumeDirectory, "checkpoints"),
        maxSteps: settings.maxSteps,
        learningRate: settings.learningRate,
        perDeviceBatchSize: settings.batchSize ?? 8,
        gradientAccumulationSteps: settings.gradientAccumulationSteps ?? 1,
        warmupSteps: settings.warmupSteps ?? 0,
        weightDecay: settings.weightDecay ?? 0,
        seed: settings.seed ?? 42,
        saveSteps: settings.checkpointSteps ?? Math.max(1, Math.ceil(settings.maxSteps / DEFAULT_CHECKPOINTS_PER_RUN)),
        evalSteps: settings.evalSteps,
        maxGradNorm: settings.maxGradNorm,
        gradientCheckpointing: settings.gradientCheckpointing,
        weightsDtype: settings.weightsDtype,
        resetPositions: true,
        resume: true,
        newTokenStart: usesVocab ? firstNewId(context.upstream("vocab")) : undefined,
        loraRank: settings.loraRank,
        loraAlpha: settings.loraAlpha,
      };
      const onEvent = trainProgress(context, settings.maxSteps);
      const launcher = bridgeLauncher(config, `graft-${options.name}`, context.resumeDirectory);
      const run = runTraining(job, { launcher, signal: context.signal, onStderr: (line) => context.log(`stderr: ${line}`) });
      for await (const event of run.events) onEvent(event);
      const result = await run.result;
      return { steps: result.step, trainLoss: result.trainLoss, launcher: launcher.kind };
    },
  };
}

/** Trainer events → the stage's log (all) and progress (resume, checkpoints, evaluation, every n-th step). */
function trainProgress(context: StageContext, maxSteps: number): (event: TrainEvent) => void {
  const every = Math.max(1, Math.floor(maxSteps / PROGRESS_LINES_PER_RUN));
  return (event) => {
    switch (event.type) {
      case "train-start":
        context.log(JSON.stringify(event));
        context.progress({
          type: "train-start",
          device: event.device,
          worldSize: event.world_size,
          trainableParameters: event.trainable_parameters,
          trainSequences: event.train_sequences,
        });
        break;
      case "train-resume":
        context.progress({ type: "train-resume", checkpoint: event.checkpoint });
        break;
      case "step-end":
        if (event.step % every === 0 || event.step === event.max_steps)
          context.progress({
            type: "step-end",
            step: event.step,
            of: event.max_steps,
            loss: event.loss,
            tokensPerSecond: event.tokens_per_second,
            etaSeconds: event.eta_seconds,
          });
        else context.log(JSON.stringify(event));
        break;
      case "eval-end":
        context.progress({ type: "eval-end", step: event.step, loss: event.loss, perplexity: event.perplexity });
        break;
      case "checkpoint-saved":
        context.progress({ type: "checkpoint-saved", step: event.step });
        break;
      default:
        context.log(JSON.stringify(event));
    }
  };
}

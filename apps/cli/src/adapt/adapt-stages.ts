import { join } from "node:path";
import { buildCorpus } from "@graft/corpus";
import { evaluateModels } from "@graft/eval";
import { propagateEmbeddings } from "@graft/lep";
import { runTraining, type Launcher, type TrainMode } from "@graft/train-bridge";
import { extendTokenizer, initializeEmbeddings } from "@graft/vocab";
import type { AdaptConfig, TrainSettings } from "./adapt-config.js";
import type { Stage } from "./stage-runner.js";

/** The four models the report compares, by the stage (or input) that produced them. */
export const REPORT_STAGE = "eval";

function launcherOf(config: AdaptConfig): Launcher {
  return config.launcher?.type === "torchrun" ? { kind: "torchrun", processesPerNode: config.launcher.processesPerNode, fsdp: true } : { kind: "local" };
}

async function train(config: AdaptConfig, settings: TrainSettings, mode: TrainMode, model: string, data: string, out: string, checkpoints: string, log: (line: string) => void, event: (event: Record<string, unknown>) => void, newTokenStart?: number) {
  const run = runTraining(
    {
      model,
      data,
      output: out,
      mode,
      checkpointDirectory: checkpoints,
      maxSteps: settings.maxSteps,
      learningRate: settings.learningRate,
      perDeviceBatchSize: settings.batchSize ?? 8,
      gradientAccumulationSteps: settings.gradientAccumulationSteps ?? 1,
      warmupSteps: settings.warmupSteps ?? 0,
      weightDecay: settings.weightDecay ?? 0,
      seed: settings.seed ?? 42,
      saveSteps: Math.max(10, Math.floor(settings.maxSteps / 4)),
      resetPositions: true,
      newTokenStart,
    },
    { launcher: launcherOf(config), onStderr: (line) => log(`stderr: ${line}`) },
  );
  for await (const trainEvent of run.events) {
    log(JSON.stringify(trainEvent));
    if (trainEvent.event === "step-end") event({ step: trainEvent.step, of: trainEvent.max_steps, loss: trainEvent.loss, tokensPerSecond: trainEvent.tokens_per_second, etaSeconds: trainEvent.eta_seconds });
  }
  const result = await run.result;
  return { steps: result.step, trainLoss: result.trainLoss };
}

/** The pipeline as stages: vocab → init → corpus → embeddings CP → LEP → (InsCP) → eval. */
export function adaptStages(config: AdaptConfig): Stage[] {
  const work = config.out;
  const stageOut = (name: string) => join(work, name);
  const inscpOn = config.inscp?.on ?? [];
  const stages: Stage[] = [
    {
      name: "vocab",
      settings: { base: config.base, vocab: config.vocab, script: config.script, maxDocuments: config.maxDocuments },
      after: [],
      inputs: [...config.corpus, join(config.base, "tokenizer.json")],
      run: async ({ out, log }) => {
        const report = await extendTokenizer({ base: config.base, corpus: config.corpus, add: config.vocab.add, out, mergeOrder: config.vocab.mergeOrder, padToMultipleOf: config.vocab.padToMultipleOf, expectedScript: config.script, heldout: [config.eval.heldout], heldoutBase: config.eval.heldoutEnglish ? [config.eval.heldoutEnglish] : undefined, overwrite: true });
        log(JSON.stringify({ ...report, topTokens: report.topTokens.slice(0, 10) }));
        return { added: report.added, charactersPerTokenBefore: report.efficiency.before.charactersPerToken, charactersPerTokenAfter: report.efficiency.after.charactersPerToken };
      },
    },
    {
      name: "init",
      settings: { base: config.base, method: config.vocab.init ?? "mean", padToMultipleOf: config.vocab.padToMultipleOf },
      after: ["vocab"],
      inputs: [join(config.base, "config.json")],
      run: async ({ out, log }) => {
        const report = await initializeEmbeddings({ model: config.base, tokenizer: stageOut("vocab"), method: config.vocab.init ?? "mean", out, padToMultipleOf: config.vocab.padToMultipleOf, overwrite: true });
        log(JSON.stringify(report));
        return { rows: report.rows, ...report.kinds };
      },
    },
    {
      name: "corpus-extended",
      settings: { sequenceLength: config.sequenceLength, maxDocuments: config.maxDocuments, language: config.language },
      after: ["vocab"],
      inputs: config.corpus,
      run: async ({ out, log, event }) => {
        const { stats } = await buildCorpus({ inputs: config.corpus, tokenizer: stageOut("vocab"), seqLen: config.sequenceLength, out, format: "plain", maxDocuments: config.maxDocuments, overwrite: true, onEvent: (progress) => event(progress) });
        log(JSON.stringify(stats));
        return { documents: stats.forwarded, tokens: stats.tokens };
      },
    },
    {
      name: "embeddings",
      settings: { train: config.embeddings, launcher: config.launcher },
      after: ["init", "corpus-extended"],
      inputs: [],
      // Checkpoints are keyed like the stage: a rerun with the same settings resumes, other settings start over.
      run: async ({ out, key, log, event }) => train(config, config.embeddings, "embeddings", stageOut("init"), stageOut("corpus-extended"), out, `${out}.checkpoints-${key}`, log, event),
    },
    {
      name: "lep",
      settings: { lep: config.lep, instruct: config.instruct, base: config.base },
      after: ["embeddings"],
      inputs: [join(config.instruct, "config.json"), join(config.instruct, "tokenizer_config.json")],
      run: async ({ out, log, event }) => {
        const { report } = await propagateEmbeddings({ base: config.base, instruct: config.instruct, donor: stageOut("embeddings"), out, mode: config.lep.mode ?? "conversion", ridge: config.lep.ridge ?? 0, overwrite: true, onEvent: (lepEvent) => (lepEvent.event === "map-solved" ? event({ ...lepEvent }) : undefined) });
        log(JSON.stringify(report));
        return { modules: report.modules.map((module) => ({ module: module.module, residual: module.residual })) };
      },
    },
  ];
  for (const target of inscpOn) {
    const model = target === "lep" ? stageOut("lep") : config.instruct;
    const settings = config.inscp as NonNullable<AdaptConfig["inscp"]>;
    stages.push({
      name: `corpus-inscp-${target}`,
      settings: { sequenceLength: config.sequenceLength, maxDocuments: config.maxDocuments, model: target },
      after: target === "lep" ? ["lep"] : [],
      inputs: [...config.corpus, ...(target === "instruct" ? [join(config.instruct, "tokenizer.json")] : [])],
      run: async ({ out, log, event }) => {
        const { stats } = await buildCorpus({ inputs: config.corpus, tokenizer: model, model, seqLen: config.sequenceLength, out, format: "inscp-document", maxDocuments: config.maxDocuments, overwrite: true, onEvent: (progress) => event(progress) });
        log(JSON.stringify(stats));
        return { documents: stats.forwarded, tokens: stats.tokens };
      },
    });
    stages.push({
      name: `inscp-${target}`,
      settings: { train: settings, launcher: config.launcher },
      after: [`corpus-inscp-${target}`, ...(target === "lep" ? ["lep"] : [])],
      inputs: target === "instruct" ? [join(config.instruct, "config.json")] : [],
      run: async ({ out, key, log, event }) => train(config, settings, settings.mode ?? "full", model, stageOut(`corpus-inscp-${target}`), out, `${out}.checkpoints-${key}`, log, event),
    });
  }
  const models = [config.instruct, ...(inscpOn.includes("instruct") ? [stageOut("inscp-instruct")] : []), stageOut("lep"), ...(inscpOn.includes("lep") ? [stageOut("inscp-lep")] : [])];
  stages.push({
    name: REPORT_STAGE,
    settings: { eval: config.eval, language: config.language, models },
    after: stages.map((stage) => stage.name).filter((name) => name === "lep" || name.startsWith("inscp-")),
    inputs: [config.eval.heldout, ...(config.eval.prompts ?? []), ...(config.eval.tasks ?? [])],
    run: async ({ out, event }) => {
      const report = await evaluateModels({ models, language: config.language, heldout: config.eval.heldout, englishHeldout: config.eval.heldoutEnglish, prompts: config.eval.prompts, tasks: config.eval.tasks ?? [], alignmentPrompts: config.eval.alignmentPrompts, heldoutCharacters: config.eval.heldoutCharacters, out, overwrite: true, onProgress: (progress) => event({ ...progress }) });
      return { models: report.models.length };
    },
  });
  return stages;
}

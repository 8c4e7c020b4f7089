import type { AdaptConfig } from "./adapt-config.js";
import { corpusStage } from "./corpus-stage.js";
import { evalStage, type ReportedModel } from "./eval-stage.js";
import { initStage } from "./init-stage.js";
import { lepStage } from "./lep-stage.js";
import { type ShardModel, shardsStage } from "./shards-stage.js";
import type { Stage } from "./stage.js";
import { trainStage } from "./train-stage.js";
import { vocabStage } from "./vocab-stage.js";

/** The stage that writes the report (`<out>/eval/report.html`). */
export const REPORT_STAGE = "eval";
export { REPORT_FILE } from "./eval-stage.js";

/** The instruct-only pipeline's embeddings CP stage (no base: the vocabulary-adapted instruct model's embeddings). */
export const INSTRUCT_EMBEDDINGS_STAGE = "embeddings-instruct";

/**
 * The pipeline as stages: corpus → vocab → init → shards-embeddings → embeddings (CP of the base,
 * embeddings only) → lep (into the instruct model) → [shards-inscp-X → inscp-X for X in inscp.on]
 * → eval (the original instruct model, InsCP on it, LEP, LEP + InsCP — those configured).
 * Without `base`, the instruct-only pipeline (see `instructOnlyStages`).
 */
export function adaptStages(config: AdaptConfig): Stage[] {
  if (config.base === undefined) return instructOnlyStages(config);
  const stages: Stage[] = [
    corpusStage(config),
    vocabStage(config),
    initStage(config),
    shardsStage(config, "shards-embeddings", { stage: "vocab" }, "plain"),
    trainStage(config, { name: "embeddings", mode: "embeddings", settings: config.embeddings, model: { stage: "init" }, data: "shards-embeddings" }),
    lepStage(config, config.base),
  ];
  const models: ReportedModel[] = [{ name: "instruct", source: { directory: config.instruct } }];
  const inscp = config.inscp;
  // InsCP on the original instruct model first: it needs no LEP, so a short run gets it early.
  for (const target of (["instruct", "lep"] as const).filter((on) => inscp?.on.includes(on))) {
    if (!inscp) break;
    const model = target === "lep" ? { stage: "lep" } : { directory: config.instruct };
    stages.push(shardsStage(config, `shards-inscp-${target}`, model, "inscp-document"));
    const { on: _on, mode = "full", ...settings } = inscp;
    stages.push(trainStage(config, { name: `inscp-${target}`, mode, settings, model, data: `shards-inscp-${target}` }));
  }
  if (inscp?.on.includes("instruct")) models.push({ name: "instruct+inscp", source: { stage: "inscp-instruct" } });
  models.push({ name: "lep", source: { stage: "lep" } });
  if (inscp?.on.includes("lep")) models.push({ name: "lep+inscp", source: { stage: "inscp-lep" } });
  stages.push(evalStage(config, models));
  return stages;
}

/**
 * Instruct-only adaptation (no base, so no LEP): corpus → vocab (the instruct tokenizer extended)
 * → init (new rows on the instruct model) → shards-embeddings (InsCP-wrapped documents in the
 * instruct model's chat template) → embeddings-instruct (embeddings-only CP of the
 * vocabulary-adapted instruct model) → [inscp-instruct, inscp-embeddings for those in inscp.on]
 * → eval (the original instruct model and each adapted one).
 */
function instructOnlyStages(config: AdaptConfig): Stage[] {
  const embeddings = INSTRUCT_EMBEDDINGS_STAGE;
  const stages: Stage[] = [
    corpusStage(config),
    vocabStage(config),
    initStage(config),
    // The chat template travels with the extended tokenizer, so the vocab stage's output wraps the documents.
    shardsStage(config, "shards-embeddings", { stage: "vocab" }, "inscp-document"),
    trainStage(config, { name: embeddings, mode: "embeddings", settings: config.embeddings, model: { stage: "init" }, data: "shards-embeddings" }),
  ];
  const inscp = config.inscp;
  const on = inscp?.on ?? [];
  const inscpStage = (name: string, model: ShardModel, data: string): Stage => {
    const { on: _on, mode = "full", ...settings } = inscp as NonNullable<AdaptConfig["inscp"]>;
    return trainStage(config, { name, mode, settings, model, data });
  };
  const models: ReportedModel[] = [{ name: "instruct", source: { directory: config.instruct } }];
  if (on.includes("instruct")) {
    stages.push(shardsStage(config, "shards-inscp-instruct", { directory: config.instruct }, "inscp-document"));
    stages.push(inscpStage("inscp-instruct", { directory: config.instruct }, "shards-inscp-instruct"));
    models.push({ name: "instruct+inscp", source: { stage: "inscp-instruct" } });
  }
  models.push({ name: "embeddings", source: { stage: embeddings } });
  if (on.includes("embeddings")) {
    // The embeddings CP's shards already are InsCP documents in the extended tokenizer: InsCP reuses them.
    stages.push(inscpStage("inscp-embeddings", { stage: embeddings }, "shards-embeddings"));
    models.push({ name: "embeddings+inscp", source: { stage: "inscp-embeddings" } });
  }
  stages.push(evalStage(config, models));
  return stages;
}

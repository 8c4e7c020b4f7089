import type { AdaptConfig } from "./adapt-config.js";
import { corpusStage } from "./corpus-stage.js";
import { evalStage, type ReportedModel } from "./eval-stage.js";
import { initStage } from "./init-stage.js";
import { lepStage } from "./lep-stage.js";
import { shardsStage } from "./shards-stage.js";
import type { Stage } from "./stage.js";
import { trainStage } from "./train-stage.js";
import { vocabStage } from "./vocab-stage.js";

/** The stage that writes the report (`<out>/eval/report.html`). */
export const REPORT_STAGE = "eval";
export { REPORT_FILE } from "./eval-stage.js";

/**
 * The pipeline as stages: corpus → vocab → init → shards-embeddings → embeddings (CP of the base,
 * embeddings only) → lep (into the instruct model) → [shards-inscp-X → inscp-X for X in inscp.on]
 * → eval (the original instruct model, InsCP on it, LEP, LEP + InsCP — those configured).
 */
export function adaptStages(config: AdaptConfig): Stage[] {
  const stages: Stage[] = [
    corpusStage(config),
    vocabStage(config),
    initStage(config),
    shardsStage(config, "shards-embeddings", { stage: "vocab" }, "plain"),
    trainStage(config, { name: "embeddings", mode: "embeddings", settings: config.embeddings, model: { stage: "init" }, data: "shards-embeddings" }),
    lepStage(config),
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

import { initializeEmbeddings } from "@graft/vocab";
import type { AdaptConfig } from "./adapt-config.js";
import type { Stage } from "./stage.js";

/** `init`: the base model (instruct-only: the instruct model) with rows for the new tokens (mean of their old sub-token rows, or merge-tree). */
export function initStage(config: AdaptConfig): Stage {
  const model = config.base ?? config.instruct;
  return {
    name: "init",
    description: `the ${config.base === undefined ? "instruct" : "base"} model with initialised rows for the new tokens`,
    settings: { method: config.vocab.init ?? "mean", padToMultipleOf: config.vocab.padToMultipleOf },
    after: ["vocab"],
    inputs: [model],
    run: async ({ out, upstream, log, progress }) => {
      const report = await initializeEmbeddings({
        model,
        tokenizer: upstream("vocab"),
        method: config.vocab.init ?? "mean",
        out,
        padToMultipleOf: config.vocab.padToMultipleOf,
        overwrite: true,
        onEvent: progress,
      });
      log(JSON.stringify(report));
      return { rows: report.rows, oldRows: report.oldRows, tied: report.tied, ...report.kinds };
    },
  };
}

import { propagateEmbeddings } from "@graft/lep";
import type { AdaptConfig } from "./adapt-config.js";
import type { Stage } from "./stage.js";

/** `lep`: the embeddings the base learned, propagated into the instruct model (@graft/lep). */
export function lepStage(config: AdaptConfig, base: string): Stage {
  const lep = config.lep ?? {};
  const mode = lep.mode ?? "conversion";
  return {
    name: "lep",
    description: `propagate the learned embeddings into the instruct model (${mode})`,
    settings: { mode, ridge: lep.ridge ?? 0 },
    after: ["embeddings"],
    inputs: [base, config.instruct],
    run: async ({ out, upstream, log, progress }) => {
      const { report } = await propagateEmbeddings({
        base,
        instruct: config.instruct,
        donor: upstream("embeddings"),
        out,
        mode,
        ridge: lep.ridge ?? 0,
        overwrite: true,
        onEvent: (event) => {
          if (event.type === "lep-finished") return;
          if (event.type === "map-solved") log(JSON.stringify(event));
          progress(event);
        },
      });
      log(JSON.stringify(report));
      return { mode, modules: report.modules.map((module) => ({ module: module.module, residual: module.residual, ridge: module.ridge })) };
    },
  };
}

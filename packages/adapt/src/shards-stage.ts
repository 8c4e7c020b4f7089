import { join } from "node:path";
import { buildCorpus, type CorpusFormat } from "@graft/corpus";
import type { AdaptConfig } from "./adapt-config.js";
import { trainingCorpusFile } from "./corpus-stage.js";
import type { Stage } from "./stage.js";

/** Where a shard stage's tokenizer (and chat template) comes from: an upstream stage or a model outside the pipeline. */
export type ShardModel = { stage: string } | { directory: string };

/**
 * `shards-*`: the cleaned corpus tokenized and packed into training shards (@graft/corpus):
 * `plain` for the embedding CP, `inscp-document` (wrapped in the model's chat template) for InsCP.
 * With `corpus.replay`, from the corpus with the replay text interleaved.
 */
export function shardsStage(config: AdaptConfig, name: string, model: ShardModel, format: CorpusFormat): Stage {
  return {
    name,
    description: `${format} training shards of the corpus`,
    settings: { format, sequenceLength: config.sequenceLength },
    after: ["corpus", ...("stage" in model ? [model.stage] : [])],
    inputs: "directory" in model ? [join(model.directory, "tokenizer.json"), join(model.directory, "tokenizer_config.json")] : [],
    run: async ({ out, upstream, log, progress }) => {
      const directory = "stage" in model ? upstream(model.stage) : model.directory;
      const { stats } = await buildCorpus({
        inputs: [join(upstream("corpus"), trainingCorpusFile(config))],
        tokenizer: directory,
        model: directory,
        sequenceLength: config.sequenceLength,
        out,
        format,
        // the corpus stage already cleaned, filtered and deduplicated
        quality: false,
        dedup: "none",
        overwrite: true,
        onEvent: ({ type, ...fields }) => progress({ ...fields, type: `shards-${type}` }),
      });
      log(JSON.stringify(stats));
      return { documents: stats.forwarded, tokens: stats.tokens, ...Object.fromEntries(Object.entries(stats).filter(([key]) => key.startsWith("dropped_"))) };
    },
  };
}

import { join } from "node:path";
import { extendTokenizer } from "@graft/vocab";
import type { AdaptConfig } from "./adapt-config.js";
import { CORPUS_FILE } from "./corpus-stage.js";
import type { Stage } from "./stage.js";

/** `vocab`: extend the base tokenizer (instruct-only: the instruct model's) with merges learned on the cleaned corpus (@graft/vocab). */
export function vocabStage(config: AdaptConfig): Stage {
  const source = config.base ?? config.instruct;
  return {
    name: "vocab",
    description: `extend the ${config.base === undefined ? "instruct" : "base"} tokenizer with target-language merges`,
    settings: {
      vocab: {
        add: config.vocab.add,
        mergeOrder: config.vocab.mergeOrder ?? "append",
        minFrequency: config.vocab.minFrequency,
        padToMultipleOf: config.vocab.padToMultipleOf,
      },
      script: config.script,
    },
    after: ["corpus"],
    inputs: [
      join(source, "tokenizer.json"),
      join(source, "tokenizer_config.json"),
      config.eval.heldout,
      ...(config.eval.heldoutEnglish ? [config.eval.heldoutEnglish] : []),
    ],
    run: async ({ out, upstream, log, progress }) => {
      const report = await extendTokenizer({
        base: source,
        corpus: [join(upstream("corpus"), CORPUS_FILE)],
        add: config.vocab.add,
        out,
        mergeOrder: config.vocab.mergeOrder,
        minFrequency: config.vocab.minFrequency,
        padToMultipleOf: config.vocab.padToMultipleOf,
        expectedScript: config.script,
        heldout: [config.eval.heldout],
        heldoutBase: config.eval.heldoutEnglish ? [config.eval.heldoutEnglish] : undefined,
        overwrite: true,
        onEvent: (event) => (event.type === "warning" ? log(`warning: ${event.message}`) : progress(event)),
      });
      log(JSON.stringify({ ...report, topTokens: report.topTokens.slice(0, 20) }));
      return {
        added: report.added,
        firstNewId: report.firstNewId,
        charactersPerTokenBefore: report.efficiency.before.charactersPerToken,
        charactersPerTokenAfter: report.efficiency.after.charactersPerToken,
        baseLinesChanged: report.baseLinesChanged,
        warnings: report.warnings,
      };
    },
  };
}

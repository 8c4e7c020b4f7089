import { mergeCorpus } from "@graft/corpus";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

export const corpusMergeCommand: CommandDefinition = {
  name: "corpus merge",
  summary: "combine the shard directories of every --rank of a scaled-out corpus build into one",
  usage: "RANK_DIR... --out DIR [--copy] [--overwrite]",
  description:
    "RANK_DIR: the outputs of graft corpus build --rank R --world-size W, every rank once, in any order. The shards are\n" +
    "hard-linked (copied with --copy, or when the ranks are on another file system) as <split>-r<rank>-<n>; the manifest\n" +
    "sums the counts and keeps every shard's sha256; stats.json sums the ranks' stats. The ranks must share the tokenizer,\n" +
    "seq-len and sample format. The output is written to a temporary sibling and renamed into place.",
  allowPositionals: true,
  options: {
    out: { type: "string", placeholder: "DIR", description: "merged shard directory" },
    copy: { type: "boolean", description: "copy the shard files instead of hard-linking them" },
    overwrite: { type: "boolean", description: "replace an existing --out directory" },
  },
  examples: [
    "graft corpus merge runs/ru-0 runs/ru-1 runs/ru-2 runs/ru-3 --out runs/ru-shards",
    "graft corpus merge /scratch/ru-* --out runs/ru-shards --copy --json",
  ],
  async run({ values, positionals }, context) {
    const options = new OptionReader("corpus merge", { ...values, RANK_DIR: positionals });
    options.require("out", "RANK_DIR");
    const out = options.requiredString("out");
    const { manifest, stats } = await mergeCorpus({
      inputs: options.strings("RANK_DIR"),
      out,
      copy: options.flag("copy"),
      overwrite: options.flag("overwrite"),
    });
    const splits = manifest.splits as Record<string, { sequences: number; shards: unknown[] }>;
    if (context.json) context.stdout.write(`${JSON.stringify({ type: "done", manifest, stats })}\n`);
    else
      context.stdout.write(
        `merged ${positionals.length} ranks into ${out}: train ${splits.train.sequences} sequences in ${splits.train.shards.length} shards, valid ${splits.valid.sequences} sequences; ${stats.forwarded} of ${stats.total} documents kept\n`,
      );
    return 0;
  },
};

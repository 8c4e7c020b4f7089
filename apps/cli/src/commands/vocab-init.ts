import { INIT_METHODS, INIT_REPORT_FILE, type InitMethodName, initializeEmbeddings } from "@graft/vocab";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

const METHODS = Object.keys(INIT_METHODS) as InitMethodName[];

export const vocabInitCommand: CommandDefinition = {
  name: "vocab init",
  summary: "initialise the embedding rows of an extended vocabulary (LEP step 2: mean or merge-tree)",
  usage: "--model DIR --tokenizer DIR --method mean|merge-tree --out DIR [--pad-to-multiple-of N]",
  description:
    "New rows of embed_tokens and lm_head (separately; a tied model: the input side, and it stays tied). mean: the mean of the\n" +
    "base rows of the new token's old segmentation (base pre-tokenizer + base BPE); merge-tree: the mean of the rows of the\n" +
    "two tokens a new token is merged from, recursively down to base tokens. Tokens the base has copy their row bit for bit;\n" +
    "tokens without a decomposition get the mean of all base rows; padding rows keep the model's bytes where it had them and\n" +
    "get the mean of all base rows where it did not. Every other tensor is copied unchanged; one embedding tensor is in memory\n" +
    "at a time; config.json vocab_size is updated; the extended tokenizer files replace the model's (old vocab.json, merges.txt,\n" +
    `tokenizer.model are left out). Report: OUT/${INIT_REPORT_FILE}.`,
  options: {
    model: { type: "string", placeholder: "DIR", description: "base model directory (with its own tokenizer)" },
    tokenizer: { type: "string", placeholder: "DIR", description: "extended tokenizer directory (graft vocab extend output)" },
    method: { type: "string", placeholder: "METHOD", default: "mean", description: `initialisation: ${METHODS.join(", ")}` },
    out: { type: "string", placeholder: "DIR", description: "output model directory (written to a temporary sibling, then renamed)" },
    "pad-to-multiple-of": { type: "string", placeholder: "N", default: "1", description: "pad the embedding rows to a multiple of N (64 or 128 suit GPUs)" },
    overwrite: { type: "boolean", description: "replace an existing --out directory" },
  },
  examples: [
    "graft vocab init --model models/llama-3-8b --tokenizer runs/ru-tokenizer --method mean --out runs/llama-3-8b-ru-init",
    "graft vocab init --model m --tokenizer t --method merge-tree --pad-to-multiple-of 64 --out o --json",
  ],
  async run({ values }, context) {
    const options = new OptionReader("vocab init", values);
    options.require("model", "tokenizer", "out");
    const method = options.choice("method", METHODS) ?? "mean";
    const padToMultipleOf = options.integer("pad-to-multiple-of", { min: 1 }) ?? 1;
    const out = options.requiredString("out");
    const write = (line: string) => context.stdout.write(`${line}\n`);
    const report = await initializeEmbeddings({
      model: options.requiredString("model"),
      tokenizer: options.requiredString("tokenizer"),
      method,
      out,
      padToMultipleOf,
      overwrite: options.flag("overwrite"),
      onEvent: (event) => {
        if (context.json) write(JSON.stringify(event));
        else if (event.type === "module-initialized") write(`${event.module}: ${event.rows} rows in ${event.seconds.toFixed(1)} s`);
      },
    });
    if (context.json) write(JSON.stringify({ type: "report", ...report }));
    else {
      write(`initialised ${report.modules.join(" and ")} with ${report.method}: ${report.oldRows} -> ${report.rows} rows${report.tied ? " (tied)" : ""}`);
      write(
        `rows: ${report.kinds.copied} copied, ${report.kinds.segmented} from old segmentations (${report.method}), ${report.kinds.unsegmentable} without one (mean of all rows), padding: ${report.padding.kept} kept from the model, ${report.padding.filled} new (mean of all rows)`,
      );
      if (report.droppedFiles.length > 0) write(`left out the old vocabulary's ${report.droppedFiles.join(", ")} (the extended tokenizer.json replaces them)`);
      write(`wrote ${out} in ${report.seconds.toFixed(1)} s`);
    }
    return 0;
  },
};

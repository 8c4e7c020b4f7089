import { EXTENSION_REPORT_FILE, type ExtensionReport, extendTokenizer, type MergeOrder, REPLACEMENT_REPORT_FILE, replaceTokenizer } from "@graft/vocab";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

const MERGE_ORDERS: readonly MergeOrder[] = ["append", "prepend"];

/** `--script`: a Unicode script name as `\p{Script=...}` takes it (Cyrillic, Latin, Han, Thai, ...). */
function readScript(options: OptionReader): string | undefined {
  const script = options.string("script") || undefined;
  if (script === undefined) return undefined;
  let known = /^[A-Za-z_]+$/.test(script);
  if (known) {
    try {
      new RegExp(`\\p{Script=${script}}`, "u");
    } catch {
      known = false;
    }
  }
  if (!known) throw options.error(`--script must be a Unicode script name such as Cyrillic, Latin, Han or Thai, got ${JSON.stringify(script)}`);
  return script;
}

/** The human report: counts, efficiency before/after, the most frequent new tokens. */
export function formatExtensionReport(report: ExtensionReport, out: string): string {
  const { before, after, sample } = report.efficiency;
  const gain = ((after.charactersPerToken / before.charactersPerToken - 1) * 100).toFixed(1);
  const lines = [
    `extended ${report.base} (${report.family} BPE, ${report.mergeOrder} merges): ${report.added}/${report.requested} new tokens, ids ${report.firstNewId}..${report.idLimit - 1}, embedding rows ${report.embeddingRows}`,
    `corpus: ${report.corpus.lines} lines, ${report.corpus.words} words, ${report.corpus.distinctWords} distinct`,
    `characters/token on ${sample}: ${before.charactersPerToken.toFixed(3)} -> ${after.charactersPerToken.toFixed(3)} (${gain}%), tokens/word ${before.tokensPerWord.toFixed(3)} -> ${after.tokensPerWord.toFixed(3)}`,
  ];
  if (report.baseLinesChanged)
    lines.push(`base-language held-out lines whose encoding changed: ${report.baseLinesChanged.changed}/${report.baseLinesChanged.total}`);
  lines.push(
    `most frequent new tokens: ${report.topTokens
      .slice(0, 20)
      .map((token) => JSON.stringify(token.text))
      .join(" ")}`,
  );
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(`wrote ${out} (report: ${out}/${EXTENSION_REPORT_FILE}) in ${report.seconds.toFixed(1)} s`);
  return `${lines.join("\n")}\n`;
}

export const vocabExtendCommand: CommandDefinition = {
  name: "vocab extend",
  summary: "extend a BPE tokenizer with merges learned on target-language text (LEP step 1)",
  usage:
    "--base DIR --corpus PATH... --add N --out DIR [--merge-order append|prepend] [--min-frequency N] [--pad-to-multiple-of N] | --replace [--vocab-size N]",
  description:
    "Counts the corpus words with the base tokenizer's own normalizer and pre-tokenizer, compresses each with the base merges,\n" +
    "and learns up to N new merges on what remains: every new token has a merge chain of existing tokens (no add_tokens).\n" +
    "New ids follow every id of the base; added/special tokens keep their ids. Byte-level BPE (Llama-3, Qwen2.5) and\n" +
    `SentencePiece-style BPE with byte fallback (Llama-2, Mistral, Gemma). The report is printed and written to OUT/${EXTENSION_REPORT_FILE}.`,
  options: {
    base: { type: "string", placeholder: "DIR", description: "directory with the base tokenizer.json (a model or tokenizer directory)" },
    corpus: { type: "string", multiple: true, placeholder: "PATH", description: "target-language text, .txt or .txt.gz (repeat the flag for several files)" },
    add: { type: "string", placeholder: "N", description: "how many new tokens to learn at most" },
    out: { type: "string", placeholder: "DIR", description: "output tokenizer directory (written to a temporary sibling, then renamed)" },
    "merge-order": {
      type: "string",
      placeholder: "ORDER",
      default: "append",
      description: "append: new merges after the base's (base encodings barely change); prepend: new merges first",
    },
    "min-frequency": { type: "string", placeholder: "N", default: "2", description: "a pair must occur at least N times to be merged" },
    "pad-to-multiple-of": {
      type: "string",
      placeholder: "N",
      default: "1",
      description: "embedding rows are padded to a multiple of N (reported; graft vocab init applies it)",
    },
    script: { type: "string", placeholder: "SCRIPT", description: "refuse a corpus with no text in this Unicode script (e.g. Cyrillic, Han, Thai)" },
    heldout: {
      type: "string",
      multiple: true,
      placeholder: "PATH",
      description: "held-out target-language text for the before/after efficiency (default: a corpus sample)",
    },
    "heldout-base": { type: "string", multiple: true, placeholder: "PATH", description: "held-out base-language text: count the lines whose encoding changed" },
    replace: {
      type: "boolean",
      description: "full replacement (LEP's BPE variant): a fresh BPE of the same family, learned on the corpus alone, keeping the base's added tokens",
    },
    "vocab-size": { type: "string", placeholder: "N", description: "with --replace: model-vocabulary size (default: the base's)" },
    overwrite: { type: "boolean", description: "replace an existing --out directory" },
  },
  examples: [
    "graft vocab extend --base models/llama-3-8b --corpus data/ru-train.txt.gz --replace --out runs/ru-bpe",
    "graft vocab extend --base models/llama-3-8b --corpus data/ru-train.txt.gz --add 32000 --out runs/ru-tokenizer",
    "graft vocab extend --base models/mistral-7b --corpus ru1.txt --corpus ru2.txt.gz --add 16000 --merge-order prepend --pad-to-multiple-of 64 --script Cyrillic --out tok --json",
  ],
  async run({ values }, context) {
    const options = new OptionReader("vocab extend", values);
    const corpus = options.strings("corpus");
    if (options.flag("replace")) {
      options.require("base", "out", "corpus");
      const minFrequency = options.integer("min-frequency", { min: 1 }) ?? 2;
      const vocabularySize = options.integer("vocab-size", { min: 1 });
      const out = options.requiredString("out");
      const heldout = options.strings("heldout");
      const report = await replaceTokenizer({
        base: options.requiredString("base"),
        corpus,
        out,
        vocabularySize,
        minFrequency,
        heldout: heldout.length > 0 ? heldout : undefined,
        overwrite: options.flag("overwrite"),
      });
      if (context.json) context.stdout.write(`${JSON.stringify({ type: "report", ...report })}\n`);
      else {
        const { before, after, sample } = report.efficiency;
        context.stdout.write(
          `replaced ${report.base} (${report.family} BPE): ${report.vocabularySize} model tokens, ${report.merges} merges; characters/token on ${sample}: ${before.charactersPerToken.toFixed(3)} -> ${after.charactersPerToken.toFixed(3)}\n`,
        );
        for (const warning of report.warnings) context.stdout.write(`warning: ${warning}\n`);
        context.stdout.write(`wrote ${out} (report: ${out}/${REPLACEMENT_REPORT_FILE})\n`);
      }
      return 0;
    }
    options.require("base", "add", "out", "corpus");
    const add = options.integer("add", { min: 1 }) as number;
    const minFrequency = options.integer("min-frequency", { min: 1 }) ?? 2;
    const mergeOrder = options.choice("merge-order", MERGE_ORDERS) ?? "append";
    const padToMultipleOf = options.integer("pad-to-multiple-of", { min: 1 }) ?? 1;
    const expectedScript = readScript(options);
    const heldout = options.strings("heldout");
    const heldoutBase = options.strings("heldout-base");
    const write = (line: string) => context.stdout.write(`${line}\n`);
    const out = options.requiredString("out");
    const report = await extendTokenizer({
      base: options.requiredString("base"),
      corpus,
      add,
      out,
      mergeOrder,
      minFrequency,
      padToMultipleOf,
      expectedScript,
      heldout: heldout.length > 0 ? heldout : undefined,
      heldoutBase: heldoutBase.length > 0 ? heldoutBase : undefined,
      overwrite: options.flag("overwrite"),
      onEvent: (event) => {
        if (context.json) write(JSON.stringify(event));
        else if (event.type === "count-progress")
          write(`counting: ${event.lines} lines, ${event.distinctWords} distinct words, ${(event.lines / event.seconds).toFixed(0)} lines/s`);
        else if (event.type === "learn-progress") {
          if (event.learned > 0 && event.learned % 2000 === 0) {
            const rate = event.learned / Math.max(event.seconds, 1e-9);
            write(
              `learning: ${event.learned}/${event.target} merges, ${rate.toFixed(0)} merges/s, eta ${((event.target - event.learned) / rate).toFixed(0)} s`,
            );
          }
        } else write(`warning: ${event.message}`);
      },
    });
    if (context.json) write(JSON.stringify({ type: "report", ...report }));
    else context.stdout.write(formatExtensionReport(report, out));
    return 0;
  },
};

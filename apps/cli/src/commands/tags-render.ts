import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { createTagger, type ReadSamplesStats, readSamples, SAMPLE_FORMATS, SampleInputError } from "@graft/chat-tags";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

const MASKS = ["all", "assistant"] as const;
const ON_ERROR = ["skip", "stop"] as const;

/** How often progress is reported while rendering. */
const PROGRESS_INTERVAL_MS = 2000;

/** Marks masked-out spans as ⟦…⟧ so the loss region is visible. */
function showSample(decode: (ids: number[]) => string, ids: number[], mask: number[]): string {
  let out = "";
  let index = 0;
  while (index < ids.length) {
    const bit = mask[index];
    let end = index;
    while (end < ids.length && mask[end] === bit) end += 1;
    const text = decode(ids.slice(index, end));
    out += bit === 1 ? text : `⟦${text}⟧`;
    index = end;
  }
  return out;
}

export const tagsRenderCommand: CommandDefinition = {
  name: "tags render",
  summary: "wrap JSONL text in a model's chat template (InsCP formats) and tokenize it with loss masks",
  usage:
    "--model DIR --input FILE.jsonl --format inscp-document|inscp-pair|conversation|plain --out FILE.jsonl [--mask all|assistant] [--max-length N] [--template FILE] [--show N]",
  description:
    "Input lines: {text} for inscp-document and plain, {question, answer} for inscp-pair, {messages} for conversation.\n" +
    "Output lines: {text, ids, mask, metadata}. Masked-out (non-label) spans are shown as ⟦…⟧ by --show.",
  options: {
    model: { type: "string", placeholder: "DIR", description: "model directory (tokenizer.json + chat template)" },
    input: { type: "string", placeholder: "FILE", description: "JSONL input" },
    format: { type: "string", placeholder: "FORMAT", default: "inscp-document", description: `sample format: ${SAMPLE_FORMATS.join(", ")}` },
    out: { type: "string", placeholder: "FILE", description: "JSONL output (written to a temp file and renamed)" },
    mask: { type: "string", placeholder: "MODE", default: "all", description: "loss mask: all (the paper) or assistant (assistant content + end-of-turn)" },
    "max-length": { type: "string", placeholder: "N", description: "split long documents so each wrapped sample has at most N tokens" },
    template: { type: "string", placeholder: "FILE", description: "Jinja chat template to use instead of the model's" },
    "system-prompt": {
      type: "string",
      placeholder: "TEXT",
      description: 'InsCP formats: this system message instead of the template\'s default (Qwen2.5 injects one; "" gives an empty one)',
    },
    "keep-exchange": { type: "boolean", description: "inscp-pair: keep question and answer as one exchange instead of two samples" },
    "text-field": { type: "string", placeholder: "NAME", default: "text", description: "JSON field holding the text" },
    "on-error": { type: "string", placeholder: "MODE", default: "skip", description: "bad input lines: skip (count them) or stop" },
    show: { type: "string", placeholder: "N", description: "print the first N samples with masked spans marked" },
  },
  examples: [
    "graft tags render --model models/llama-3-8b-instruct --input ru.jsonl --format inscp-document --out ru.tagged.jsonl --show 2",
    "graft tags render --model models/qwen2.5-7b-instruct --input pairs.jsonl --format inscp-pair --mask assistant --max-length 2048 --out pairs.tagged.jsonl",
  ],
  async run({ values }, context) {
    const options = new OptionReader("tags render", values);
    options.require("model", "input", "out");
    const format = options.choice("format", SAMPLE_FORMATS) ?? "inscp-document";
    const mask = options.choice("mask", MASKS) ?? "all";
    const onError = options.choice("on-error", ON_ERROR) ?? "skip";
    const maxLength = options.integer("max-length", { min: 1 });
    const showCount = options.integer("show", { min: 0 }) ?? 0;
    const input = options.requiredString("input");
    const tagger = await createTagger({
      modelDirectory: options.requiredString("model"),
      templateFile: options.string("template") || undefined,
      mask,
      maxLength,
      systemPrompt: options.string("system-prompt"),
    });
    const stats: ReadSamplesStats = { lines: 0, samples: 0, skipped: 0, firstSkipped: [] };
    const out = options.requiredString("out");
    const temporary = `${out}.tmp-${process.pid}`;
    const output = createWriteStream(temporary);
    let written = 0;
    let tokens = 0;
    let shown = 0;
    const started = Date.now();
    let lastReport = started;
    try {
      for await (const sample of readSamples(
        input,
        { format, keepExchange: options.flag("keep-exchange"), textField: options.string("text-field") ?? "text", onError },
        stats,
      )) {
        for (const tagged of await tagger.tag(sample)) {
          if (!output.write(`${JSON.stringify(tagged)}\n`)) await new Promise<void>((resolve) => output.once("drain", () => resolve()));
          written += 1;
          tokens += tagged.ids.length;
          if (shown < showCount && !context.json) {
            context.stdout.write(
              `--- sample ${shown + 1} (${tagged.ids.length} tokens, ${tagged.mask.filter((bit) => bit === 1).length} labels)\n${showSample((ids) => tagger.tokenizer.decode(ids), tagged.ids, tagged.mask)}\n`,
            );
            shown += 1;
          }
        }
        if (Date.now() - lastReport > PROGRESS_INTERVAL_MS) {
          lastReport = Date.now();
          const rate = written / ((lastReport - started) / 1000);
          if (context.json) context.stdout.write(`${JSON.stringify({ type: "progress", samples: written, tokens, rate })}\n`);
          else context.stderr.write(`tags render: ${written} samples, ${tokens} tokens, ${rate.toFixed(0)} samples/s\n`);
        }
      }
    } catch (error) {
      // Leave no partial output behind: the temp file is removed, --out is untouched.
      output.destroy();
      await rm(temporary, { force: true });
      throw error;
    }
    await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
    if (written === 0) {
      // An empty output is not a success: nothing is written, and the reason is the input's.
      await rm(temporary, { force: true });
      const first = stats.firstSkipped[0];
      throw new SampleInputError({
        path: input,
        line: first?.line ?? stats.lines,
        message: `no sample was rendered: ${stats.lines} lines read, ${stats.skipped} skipped${first ? ` (the first: ${first.reason})` : ""}; fix the input or the --format / --text-field options`,
      });
    }
    await rename(temporary, out);
    const summary = {
      type: "tags-rendered",
      out,
      samples: written,
      tokens,
      lines: stats.lines,
      skipped: stats.skipped,
      firstSkipped: stats.firstSkipped.slice(0, 5),
    };
    if (context.json) context.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      context.stdout.write(`wrote ${written} samples (${tokens} tokens) to ${out}; ${stats.skipped} bad lines skipped\n`);
      for (const skip of stats.firstSkipped.slice(0, 5)) context.stdout.write(`  skipped line ${skip.line}: ${skip.reason}\n`);
    }
    return 0;
  },
};

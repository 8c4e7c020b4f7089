import { evaluateModels } from "@graft/eval";
import type { CommandDefinition } from "../command.js";

export const evalCommand: CommandDefinition = {
  name: "eval",
  summary: "evaluate models side by side (chars/token, bits/char, multiple choice, speed) into report.json + report.html",
  usage: "--model DIR [--model DIR ...] --lang CODE --heldout FILE [--heldout-en FILE] [--tasks FILE ...] [--prompts FILE ...] --out DIR",
  options: {
    model: { type: "string", multiple: true, placeholder: "DIR", description: "HF model directory (exported to ONNX on the fly) or an exported ONNX directory; the first is the baseline" },
    lang: { type: "string", placeholder: "CODE", description: "target language code, e.g. ru" },
    heldout: { type: "string", placeholder: "FILE", description: "held-out target-language text (.txt or .txt.gz)" },
    "heldout-en": { type: "string", placeholder: "FILE", description: "held-out English text, to measure forgetting" },
    tasks: { type: "string", multiple: true, placeholder: "FILE", description: "multiple-choice JSONL (question, choices, answer)" },
    prompts: { type: "string", multiple: true, placeholder: "FILE", description: "chat prompts JSONL (prompt, lang), one language per file: language alignment (fastText ID of each reply)" },
    "alignment-prompts": { type: "string", placeholder: "N", default: "20", description: "prompts used per --prompts file (each is a generation)" },
    threads: { type: "string", placeholder: "N", description: "ONNX Runtime intra-op threads" },
    out: { type: "string", placeholder: "DIR", description: "output directory for report.json and report.html" },
    overwrite: { type: "boolean", description: "replace an existing output directory" },
  },
  examples: ["graft eval --model base --model runs/ru --lang ru --heldout data/ru-heldout.txt.gz --heldout-en data/en-heldout.txt.gz --tasks data/tasks-en-capitals.jsonl --prompts data/prompts-ru.jsonl --prompts data/prompts-en.jsonl --out runs/eval"],
  async run({ values }, context) {
    const models = (values.model as string[] | undefined) ?? [];
    const language = values.lang as string | undefined;
    const heldout = values.heldout as string | undefined;
    const out = values.out as string | undefined;
    if (models.length === 0 || !language || !heldout || !out) {
      context.stderr.write("graft eval: --model DIR (one or more), --lang CODE, --heldout FILE and --out DIR are required\n");
      return 2;
    }
    const report = await evaluateModels({
      models,
      language,
      heldout,
      englishHeldout: values["heldout-en"] as string | undefined,
      tasks: (values.tasks as string[] | undefined) ?? [],
      prompts: (values.prompts as string[] | undefined) ?? [],
      alignmentPrompts: Number(values["alignment-prompts"] ?? "20"),
      out,
      overwrite: Boolean(values.overwrite),
      threads: values.threads ? Number(values.threads) : undefined,
      onProgress: (event) => (context.json ? context.stdout.write(`${JSON.stringify(event)}\n`) : context.stderr.write(`${event.model}: ${event.step}\n`)),
    });
    if (context.json) context.stdout.write(`${JSON.stringify({ event: "eval-done", out, models: report.models })}\n`);
    else {
      for (const model of report.models) {
        context.stdout.write(`${model.model}: chars/token ${model.charactersPerToken.toFixed(3)}, bits/char ${Object.entries(model.bitsPerCharacter).map(([language, value]) => `${language} ${value.toFixed(3)}`).join(", ")}, ${model.speed.tokensPerSecond.toFixed(1)} tok/s${model.alignment ? `, alignment ${Object.entries(model.alignment).map(([language, result]) => `${language} ${(100 * result.share).toFixed(0)}%`).join(", ")}` : ""}\n`);
      }
      context.stdout.write(`wrote ${out}/report.json and ${out}/report.html\n`);
    }
    return 0;
  },
};

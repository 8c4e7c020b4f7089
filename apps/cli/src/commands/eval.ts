import {
  DEFAULT_ALIGNMENT_PROMPTS,
  DEFAULT_GENERATION_BATCH_SIZE,
  type EvaluationBackend,
  evaluateModels,
  formatRateInterval,
  type ModelMetrics,
} from "@graft/eval";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

const BACKENDS: readonly EvaluationBackend[] = ["onnx", "python"];
const DTYPES = ["float32", "bfloat16", "float16"] as const;

/** One line per model: what the report's table says, for a terminal. */
function summaryLine(model: ModelMetrics, language: string): string {
  const parts = [
    `chars/token ${Object.entries(model.efficiency)
      .map(([code, value]) => `${code} ${value.charactersPerToken.toFixed(3)}`)
      .join(", ")}`,
    `tokens/word ${model.efficiency[language]!.tokensPerWord.toFixed(3)}`,
    `bits/char ${Object.entries(model.bitsPerCharacter)
      .map(([code, value]) => `${code} ${value.toFixed(3)}`)
      .join(", ")}`,
    ...Object.entries(model.multipleChoice).map(([task, result]) => `${task} ${formatRateInterval(result.interval)}`),
    ...(model.alignment
      ? [
          `alignment ${Object.entries(model.alignment)
            .map(([code, result]) => `${code} ${formatRateInterval(result.shareInterval)}`)
            .join(", ")}`,
          `turn ended ${Object.entries(model.alignment)
            .map(([code, result]) => `${code} ${formatRateInterval(result.endedTurnInterval)}`)
            .join(", ")}`,
        ]
      : []),
    `${model.speed.tokensPerSecond.toFixed(1)} tok/s`,
    `${model.speed.charactersPerSecond.toFixed(1)} ${language} chars/s`,
  ];
  return `${model.name}: ${parts.join(", ")}`;
}

export const evalCommand: CommandDefinition = {
  name: "eval",
  summary: "evaluate models side by side (chars/token, tokens/word, bits/char, multiple choice, alignment, speed) into report.json + report.html",
  usage: "--model DIR [--model DIR ...] --lang CODE --heldout FILE [--heldout-en FILE] [--tasks FILE ...] [--prompts FILE ...] --out DIR",
  description:
    "Every model is measured on the same data: tokenizer efficiency per held-out language, bits per character (comparable across tokenizers), " +
    "multiple-choice accuracy (length-normalised log-likelihood), language alignment and the share of replies that end their turn (InsCP: chat replies through each model's own template, fastText language ID), " +
    "and generation speed (decode tokens/s, and target-language characters/s writing a fixed passage). " +
    "Every rate is printed as `rate [low, high] n=count` with its 95% Wilson interval. " +
    "The first model is the baseline the report's deltas are against. The ONNX backend exports HF directories on the fly and runs on the CPU; " +
    "--backend python runs transformers in the trainer's Python (GRAFT_PYTHON), on a GPU when there is one, for models too large for CPU ONNX.",
  options: {
    model: {
      type: "string",
      multiple: true,
      placeholder: "DIR",
      description: "HF model directory (exported to ONNX on the fly) or an exported ONNX directory; the first is the baseline",
    },
    name: {
      type: "string",
      multiple: true,
      placeholder: "LABEL",
      description: "label of the model in the report, one per --model in the same order (default: directory names)",
    },
    lang: { type: "string", placeholder: "CODE", description: "target language code, e.g. ru" },
    heldout: { type: "string", placeholder: "FILE", description: "held-out target-language text (.txt or .txt.gz)" },
    "heldout-en": { type: "string", placeholder: "FILE", description: "held-out English text, to measure forgetting" },
    "heldout-characters": { type: "string", placeholder: "N", default: "20000", description: "characters of each held-out text used" },
    tasks: { type: "string", multiple: true, placeholder: "FILE", description: "multiple-choice JSONL (question, choices, answer)" },
    prompts: {
      type: "string",
      multiple: true,
      placeholder: "FILE",
      description: "chat prompts JSONL (prompt, lang), one language per file: language alignment (fastText ID of each reply)",
    },
    "alignment-prompts": {
      type: "string",
      placeholder: "N|all",
      default: String(DEFAULT_ALIGNMENT_PROMPTS),
      description: "prompts used per --prompts file (each is a generation; rates come with 95% Wilson intervals, about ±0.07 at 200)",
    },
    "batch-size": {
      type: "string",
      placeholder: "N",
      default: String(DEFAULT_GENERATION_BATCH_SIZE),
      description: "alignment prompts generated together (left padding + KV cache); the greedy replies do not depend on it",
    },
    "speed-tokens": { type: "string", placeholder: "N", default: "64", description: "tokens of the free greedy generation timed for tokens/s" },
    backend: {
      type: "string",
      placeholder: "onnx|python",
      default: "onnx",
      description: "onnx: onnxruntime-node on the CPU; python: transformers in GRAFT_PYTHON (GPU when available)",
    },
    device: { type: "string", placeholder: "DEVICE", description: "python backend: auto (default), cpu, cuda, cuda:1, mps" },
    dtype: { type: "string", placeholder: "DTYPE", description: "python backend: float32 (default), bfloat16, float16" },
    threads: { type: "string", placeholder: "N", description: "CPU threads (ONNX Runtime intra-op, or torch)" },
    out: { type: "string", placeholder: "DIR", description: "output directory for report.json and report.html" },
    overwrite: { type: "boolean", description: "replace an existing output directory" },
  },
  examples: [
    "graft eval --model base --model runs/ru --name base --name adapted --lang ru --heldout data/ru-heldout.txt.gz --heldout-en data/en-heldout.txt.gz --tasks data/tasks-en-capitals.jsonl --prompts data/prompts-ru.jsonl --prompts data/prompts-en.jsonl --out runs/eval",
    "graft eval --backend python --device cuda --dtype bfloat16 --model meta-llama-3-8b-instruct --model runs/ru-8b --lang ru --heldout data/ru-heldout.txt.gz --out runs/eval-8b",
  ],
  async run({ values }, context) {
    const options = new OptionReader("eval", values);
    options.require("model", "lang", "heldout", "out");
    const models = options.strings("model");
    const names = options.strings("name");
    if (names.length > 0 && names.length !== models.length)
      throw options.error(`${names.length} --name for ${models.length} --model; give one --name per --model, in the same order`);
    const backend = options.choice("backend", BACKENDS) ?? "onnx";
    const dtype = options.choice("dtype", DTYPES);
    const device = options.string("device");
    if (backend === "onnx" && (device || dtype))
      throw options.error("--device and --dtype apply to --backend python (the ONNX backend runs float32 on the CPU)");
    const heldoutCharacters = options.integer("heldout-characters", { min: 1 });
    const alignmentPrompts = options.string("alignment-prompts") === "all" ? "all" : options.integer("alignment-prompts", { min: 1 });
    const generationBatchSize = options.integer("batch-size", { min: 1 });
    const speedNewTokens = options.integer("speed-tokens", { min: 1 });
    const threads = options.integer("threads", { min: 1 });
    const language = options.requiredString("lang");
    const out = options.requiredString("out");
    const report = await evaluateModels({
      models,
      names: names.length > 0 ? names : undefined,
      language,
      heldout: options.requiredString("heldout"),
      englishHeldout: options.string("heldout-en"),
      heldoutCharacters,
      tasks: options.strings("tasks"),
      prompts: options.strings("prompts"),
      alignmentPrompts,
      generationBatchSize,
      speedNewTokens,
      backend,
      python: backend === "python" ? { device, dtype } : undefined,
      out,
      overwrite: options.flag("overwrite"),
      threads,
      onProgress: (event) => (context.json ? context.stdout.write(`${JSON.stringify(event)}\n`) : context.stderr.write(`${event.model}: ${event.step}\n`)),
    });
    if (context.json) {
      context.stdout.write(`${JSON.stringify({ type: "eval-done", out, report: `${out}/report.json`, html: `${out}/report.html`, models: report.models })}\n`);
    } else {
      for (const model of report.models) context.stdout.write(`${summaryLine(model, language)}\n`);
      context.stdout.write(`wrote ${out}/report.json and ${out}/report.html\n`);
    }
    return 0;
  },
};

import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadChatTemplate } from "@graft/chat-tags";
import { createLanguageIdentifier } from "@graft/corpus";
import { atomicOutputDirectory, loadModelDirectory, loadTokenizer } from "@graft/hf";
import { stopTokenIdsOf } from "./chat-reply.js";
import { languageAlignment, readPromptSet, type AlignmentResult } from "./language-alignment.js";
import { bitsPerCharacter } from "./bits-per-character.js";
import { exportOnnx } from "./export-onnx.js";
import { generate } from "./generate.js";
import { multipleChoiceAccuracy, readMultipleChoiceTasks } from "./multiple-choice.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";
import { renderReportHtml } from "./render-report-html.js";

/** Held-out text is cut to this many characters per language: bits/char converges long before, and CPU time is bounded. */
export const DEFAULT_HELDOUT_CHARACTERS = 20_000;
/** Prompts per language for the alignment measurement (each is a generation: CPU time). */
export const DEFAULT_ALIGNMENT_PROMPTS = 20;
/** Reply length for the alignment measurement: enough text for fastText to decide. */
export const ALIGNMENT_NEW_TOKENS = 48;
/** Fixed output length for the speed measurement. */
export const SPEED_NEW_TOKENS = 64;

export interface EvaluateModelsOptions {
  models: string[];
  language: string;
  heldout: string;
  englishHeldout?: string;
  /** A prompt text used for the speed measurement (default: the start of the held-out text). */
  speedPrompt?: string;
  tasks: string[];
  /** Prompt JSONL files (one language each, `prompt` + `lang`): language alignment through each model's chat template. */
  prompts?: string[];
  /** Prompts used per file (default 20). */
  alignmentPrompts?: number;
  out: string;
  overwrite?: boolean;
  heldoutCharacters?: number;
  threads?: number;
  onProgress?: (event: { event: "eval-progress"; model: string; step: string }) => void;
}

export interface ModelMetrics {
  model: string;
  charactersPerToken: number;
  bitsPerCharacter: Record<string, number>;
  multipleChoice: Record<string, { accuracy: number; count: number }>;
  speed: { tokensPerSecond: number; charactersPerSecond: number; newTokens: number };
  /** Per prompt language; absent when no prompts were given or the model has no chat template. */
  alignment?: Record<string, AlignmentResult>;
}

export interface EvaluationReport {
  created: string;
  versions: Record<string, string>;
  configuration: Omit<EvaluateModelsOptions, "onProgress" | "out" | "overwrite">;
  models: ModelMetrics[];
}

async function heldoutText(path: string, limit: number): Promise<string> {
  const text = path.endsWith(".gz") ? gunzipSync(await readFile(path)).toString("utf8") : await readFile(path, "utf8");
  return text.slice(0, limit);
}

async function ensureOnnx(model: string, cache: string): Promise<string> {
  if (existsSync(join(model, "onnx", "model.onnx"))) return model;
  await exportOnnx({ model, out: cache, overwrite: true });
  return cache;
}

/** Evaluates every model on the same data and writes report.json + report.html into `out`. */
export async function evaluateModels(options: EvaluateModelsOptions): Promise<EvaluationReport> {
  const limit = options.heldoutCharacters ?? DEFAULT_HELDOUT_CHARACTERS;
  const texts: Record<string, string> = { [options.language]: await heldoutText(options.heldout, limit) };
  if (options.englishHeldout) texts.en = await heldoutText(options.englishHeldout, limit);
  const taskSets = await Promise.all(options.tasks.map(async (path) => ({ name: basename(path).replace(/\.jsonl$/, ""), tasks: await readMultipleChoiceTasks(path) })));
  const promptSets = await Promise.all((options.prompts ?? []).map((path) => readPromptSet(path, options.alignmentPrompts ?? DEFAULT_ALIGNMENT_PROMPTS)));
  const identify = promptSets.length > 0 ? await createLanguageIdentifier() : undefined;
  const version = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")).version as string;
  const report: EvaluationReport = {
    created: new Date().toISOString(),
    versions: { "@graft/eval": version, node: process.version },
    configuration: { models: options.models, language: options.language, heldout: options.heldout, englishHeldout: options.englishHeldout, tasks: options.tasks, prompts: options.prompts, alignmentPrompts: options.alignmentPrompts, heldoutCharacters: limit, threads: options.threads },
    models: [],
  };
  await atomicOutputDirectory(
    options.out,
    async (temporary) => {
      for (const [index, modelDirectory] of options.models.entries()) {
        const progress = (step: string) => options.onProgress?.({ event: "eval-progress", model: modelDirectory, step });
        progress("export");
        const onnxDirectory = await ensureOnnx(modelDirectory, join(temporary, `onnx-model-${index}`));
        const tokenizer = await loadTokenizer(modelDirectory);
        const model = await OnnxCausalModel.load(onnxDirectory, { threads: options.threads });
        try {
          const target = texts[options.language]!;
          const charactersPerToken = [...target].length / tokenizer.encode(target, { addSpecialTokens: false }).length;
          const bits: Record<string, number> = {};
          for (const [language, text] of Object.entries(texts)) {
            progress(`bits per character (${language})`);
            bits[language] = (await bitsPerCharacter(model, tokenizer, text)).bitsPerCharacter;
          }
          const multipleChoice: ModelMetrics["multipleChoice"] = {};
          for (const set of taskSets) {
            progress(`multiple choice (${set.name})`);
            const result = await multipleChoiceAccuracy(model, tokenizer, set.tasks);
            multipleChoice[set.name] = { accuracy: result.accuracy, count: result.count };
          }
          progress("speed");
          const promptIds = tokenizer.encode(options.speedPrompt ?? target.slice(0, 200));
          const generation = await generate(model, promptIds, { maxNewTokens: SPEED_NEW_TOKENS });
          const seconds = generation.prefillSeconds + generation.decodeSeconds;
          const characters = [...tokenizer.decode(generation.tokenIds, { skipSpecialTokens: true })].length;
          let alignment: Record<string, AlignmentResult> | undefined;
          if (identify && promptSets.length > 0) {
            const directory = await loadModelDirectory(modelDirectory);
            const template = directory.chatTemplate ? await loadChatTemplate(modelDirectory) : undefined;
            if (template) {
              alignment = {};
              const stopTokenIds = stopTokenIdsOf(tokenizer, directory.generationConfig);
              for (const promptSet of promptSets) {
                progress(`language alignment (${promptSet.language} prompts)`);
                alignment[promptSet.language] = await languageAlignment({ model, tokenizer, template, promptSet, identify, maxNewTokens: ALIGNMENT_NEW_TOKENS, stopTokenIds });
              }
            }
          }
          report.models.push({
            model: modelDirectory,
            charactersPerToken,
            bitsPerCharacter: bits,
            multipleChoice,
            speed: { tokensPerSecond: generation.tokenIds.length / seconds, charactersPerSecond: characters / seconds, newTokens: generation.tokenIds.length },
            alignment,
          });
        } finally {
          await model.release();
        }
      }
      await writeFile(join(temporary, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(join(temporary, "report.html"), renderReportHtml(report));
    },
    { overwrite: options.overwrite },
  );
  return report;
}

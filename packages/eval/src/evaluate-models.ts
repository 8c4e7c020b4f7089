import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadChatTemplate } from "@graft/chat-tags";
import { createLanguageIdentifier } from "@graft/corpus";
import { atomicOutputDirectory, loadModelDirectory, loadTokenizer } from "@graft/hf";
import { onnxRuntimeVersion } from "@graft/onnx";
import { tokenizerEfficiency } from "@graft/vocab";
import { bitsPerCharacter } from "./bits-per-character.js";
import type { CausalLanguageModel } from "./causal-language-model.js";
import { stopTokenIdsOf } from "./chat-reply.js";
import type { EvaluateModelsOptions, EvaluationReport, ModelMetrics } from "./evaluation-report.js";
import { exportOnnx } from "./export-onnx.js";
import { DEFAULT_GENERATION_BATCH_SIZE } from "./generate-batch.js";
import { generationSpeed, SPEED_NEW_TOKENS, SPEED_PASSAGE_CHARACTERS } from "./generation-speed.js";
import { type AlignmentResult, languageAlignment, readPromptSet } from "./language-alignment.js";
import { multipleChoiceAccuracy, readMultipleChoiceTasks } from "./multiple-choice.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";
import { PythonCausalModel } from "./python-causal-model.js";
import { renderReportHtml } from "./render-report-html.js";
import { wilsonInterval } from "./wilson-interval.js";

/** Held-out text is cut to this many characters per language: bits/char converges long before, and CPU time is bounded. */
export const DEFAULT_HELDOUT_CHARACTERS = 20_000;
/** Prompts per language for the alignment measurement: enough for a 95% interval of about ±0.07 (each is a generation: CPU time). */
export const DEFAULT_ALIGNMENT_PROMPTS = 200;
/** Reply length for the alignment measurement: enough text for fastText to decide. */
export const ALIGNMENT_NEW_TOKENS = 48;
/** Characters of held-out text before the speed passage, used as the speed prompt. */
const SPEED_PROMPT_CHARACTERS = 200;

async function heldoutText(path: string, limit: number): Promise<string> {
  const text = path.endsWith(".gz") ? gunzipSync(await readFile(path)).toString("utf8") : await readFile(path, "utf8");
  return text.slice(0, limit);
}

async function ensureOnnx(model: string, cache: string): Promise<string> {
  if (existsSync(join(model, "onnx", "model.onnx"))) return model;
  await exportOnnx({ model, out: cache, overwrite: true });
  return cache;
}

async function libraryVersions(): Promise<Record<string, string>> {
  const own = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return { "@graft/eval": own.version, "onnxruntime-node": onnxRuntimeVersion(), node: process.version };
}

/** The report's label for a model: its directory name. */
function defaultName(directory: string): string {
  return directory.split(/[\\/]/).filter(Boolean).pop() ?? directory;
}

/** Evaluates every model on the same data and writes report.json + report.html into `out`. */
export async function evaluateModels(options: EvaluateModelsOptions): Promise<EvaluationReport> {
  if (options.names && options.names.length !== options.models.length) {
    throw new RangeError(`evaluateModels: ${options.names.length} names for ${options.models.length} models; give one name per model`);
  }
  const backend = options.backend ?? "onnx";
  const limit = options.heldoutCharacters ?? DEFAULT_HELDOUT_CHARACTERS;
  const texts: Record<string, string> = { [options.language]: await heldoutText(options.heldout, limit) };
  if (options.englishHeldout) texts.en = await heldoutText(options.englishHeldout, limit);
  const target = texts[options.language]!;
  const speedPrompt = target.slice(0, SPEED_PROMPT_CHARACTERS);
  const speedPassage = target.slice(SPEED_PROMPT_CHARACTERS, SPEED_PROMPT_CHARACTERS + SPEED_PASSAGE_CHARACTERS);
  const taskSets = await Promise.all(
    options.tasks.map(async (path) => ({ name: basename(path).replace(/\.jsonl$/, ""), tasks: await readMultipleChoiceTasks(path) })),
  );
  const alignmentPrompts = options.alignmentPrompts ?? DEFAULT_ALIGNMENT_PROMPTS;
  const promptLimit = alignmentPrompts === "all" ? Number.POSITIVE_INFINITY : alignmentPrompts;
  const promptSets = await Promise.all((options.prompts ?? []).map((path) => readPromptSet(path, promptLimit)));
  const identify = promptSets.length > 0 ? (options.identifyLanguage ?? (await createLanguageIdentifier())) : undefined;
  const { env: _environment, ...pythonSettings } = options.python ?? {};
  const report: EvaluationReport = {
    created: new Date().toISOString(),
    versions: await libraryVersions(),
    configuration: {
      models: options.models,
      names: options.names,
      language: options.language,
      heldout: options.heldout,
      englishHeldout: options.englishHeldout,
      tasks: options.tasks,
      prompts: options.prompts,
      alignmentPrompts,
      generationBatchSize: options.generationBatchSize ?? DEFAULT_GENERATION_BATCH_SIZE,
      heldoutCharacters: limit,
      backend,
      python: backend === "python" ? pythonSettings : undefined,
      threads: options.threads,
      speedNewTokens: options.speedNewTokens ?? SPEED_NEW_TOKENS,
    },
    models: [],
  };
  await atomicOutputDirectory(
    options.out,
    async (temporary) => {
      for (const [index, modelDirectory] of options.models.entries()) {
        const progress = (step: string) => options.onProgress?.({ type: "eval-progress", model: modelDirectory, step });
        const tokenizer = await loadTokenizer(modelDirectory);
        let model: CausalLanguageModel;
        // An on-the-fly export lives in the output's temporary directory only while its model is evaluated.
        const exported = join(temporary, `onnx-model-${index}`);
        if (backend === "python") {
          progress("load (python)");
          const python = await PythonCausalModel.load(modelDirectory, { ...options.python, threads: options.threads });
          report.versions.torch = python.info.torch;
          report.versions.transformers = python.info.transformers;
          model = python;
        } else {
          progress("export");
          model = await OnnxCausalModel.load(await ensureOnnx(modelDirectory, exported), { threads: options.threads });
        }
        try {
          const efficiency: ModelMetrics["efficiency"] = {};
          const bits: Record<string, number> = {};
          for (const [language, text] of Object.entries(texts)) {
            const measured = tokenizerEfficiency(tokenizer, [text]);
            efficiency[language] = {
              charactersPerToken: measured.charactersPerToken,
              tokensPerWord: measured.tokensPerWord,
              bytesPerToken: measured.bytesPerToken,
              byteTokenShare: measured.byteTokenShare,
            };
            progress(`bits per character (${language})`);
            bits[language] = (await bitsPerCharacter(model, tokenizer, text)).bitsPerCharacter;
          }
          const multipleChoice: ModelMetrics["multipleChoice"] = {};
          for (const set of taskSets) {
            progress(`multiple choice (${set.name})`);
            const result = await multipleChoiceAccuracy(model, tokenizer, set.tasks);
            multipleChoice[set.name] = { accuracy: result.accuracy, count: result.count, interval: wilsonInterval(result.correct, result.count) };
          }
          progress("speed");
          const speed = await generationSpeed(model, tokenizer, { prompt: speedPrompt, passage: speedPassage, newTokens: options.speedNewTokens });
          let alignment: Record<string, AlignmentResult> | undefined;
          if (identify && promptSets.length > 0) {
            const directory = await loadModelDirectory(modelDirectory);
            await directory.weights.close(); // Only the template and generation config are needed here.
            const template = directory.chatTemplate ? await loadChatTemplate(modelDirectory) : undefined;
            if (template) {
              alignment = {};
              const stopTokenIds = stopTokenIdsOf(tokenizer, directory.generationConfig);
              for (const promptSet of promptSets) {
                progress(`language alignment (${promptSet.language} prompts)`);
                alignment[promptSet.language] = await languageAlignment({
                  model,
                  tokenizer,
                  template,
                  promptSet,
                  identify,
                  maxNewTokens: ALIGNMENT_NEW_TOKENS,
                  stopTokenIds,
                  batchSize: options.generationBatchSize,
                });
              }
            }
          }
          report.models.push({
            model: modelDirectory,
            name: options.names?.[index] ?? defaultName(modelDirectory),
            backend,
            vocabularySize: tokenizer.vocabSize,
            charactersPerToken: efficiency[options.language]!.charactersPerToken,
            efficiency,
            bitsPerCharacter: bits,
            multipleChoice,
            speed: { ...speed, language: options.language },
            alignment,
          });
        } finally {
          await model.release();
          await rm(exported, { recursive: true, force: true });
        }
      }
      await writeFile(join(temporary, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(join(temporary, "report.html"), renderReportHtml(report));
    },
    { overwrite: options.overwrite, inputs: options.models },
  );
  return report;
}

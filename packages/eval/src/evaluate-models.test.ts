import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createLanguageIdentifier } from "@graft/corpus";
import { createTinyModel, fixtureText, fixtureTokenizerDirectory, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateModels } from "./evaluate-models.js";
import type { EvaluationReport } from "./evaluation-report.js";
import { readPromptSet } from "./language-alignment.js";
import { readMultipleChoiceTasks } from "./multiple-choice.js";
import { PromptFileError } from "./prompt-file-error.js";
import { TaskFileError } from "./task-file-error.js";
import { wilsonInterval } from "./wilson-interval.js";

const workspace = temporaryDirectory("graft-eval-report-");
afterAll(() => workspace.remove());

describe("evaluateModels", () => {
  it("writes report.json and a self-contained report.html with every model side by side", async () => {
    const models: string[] = [];
    for (const [index, architecture] of (["llama", "qwen2"] as const).entries()) {
      const out = join(workspace.path, `model-${index}`);
      await createTinyModel({
        out,
        tokenizerDirectory: fixtureTokenizerDirectory(index === 0 ? "llama3" : "llama2"),
        architecture,
        hiddenSize: 64,
        layers: 2,
        heads: 4,
        kvHeads: 2,
        intermediateSize: 128,
        seed: index + 1,
      });
      models.push(out);
    }
    const heldout = join(workspace.path, "ru.txt");
    await writeFile(heldout, fixtureText("ru-fortunes").slice(0, 1500));
    const english = join(workspace.path, "en.txt");
    await writeFile(english, fixtureText("en-fortunes").slice(0, 1500));
    const tasks = join(workspace.path, "capitals.jsonl");
    const lines = (await readFile(join(repositoryRoot(), "data", "tasks-en-capitals.jsonl"), "utf8")).split("\n").slice(0, 6);
    await writeFile(tasks, `${lines.join("\n")}\n`);
    const out = join(workspace.path, "report");

    const report = await evaluateModels({
      models,
      names: ["llama3-tokenizer", "llama2-tokenizer"],
      language: "ru",
      heldout,
      englishHeldout: english,
      tasks: [tasks],
      prompts: [join(repositoryRoot(), "data", "prompts-ru.jsonl"), join(repositoryRoot(), "data", "prompts-en.jsonl")],
      alignmentPrompts: 3,
      out,
      threads: 1,
      speedNewTokens: 16,
    });
    const written = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as EvaluationReport;
    expect(written.models.map((model) => model.model)).toEqual(models);
    expect(written.models.map((model) => model.name)).toEqual(["llama3-tokenizer", "llama2-tokenizer"]);
    expect(written.versions["onnxruntime-node"]).toMatch(/^\d+\.\d+\.\d+/);
    // The on-the-fly ONNX exports do not stay in the report directory.
    expect((await readdir(out)).sort()).toEqual(["report.html", "report.json"]);
    const [llama3, llama2] = report.models;
    // Llama-3's 128k vocabulary packs Russian into fewer tokens than Llama-2's 32k.
    expect(llama3!.vocabularySize).toBeGreaterThan(llama2!.vocabularySize);
    expect(llama3!.efficiency.ru!.charactersPerToken).toBeGreaterThan(llama2!.efficiency.ru!.charactersPerToken);
    expect(llama3!.efficiency.ru!.tokensPerWord).toBeLessThan(llama2!.efficiency.ru!.tokensPerWord);
    // Llama-2 has no newline token: every "\n" of the text is the byte-fallback token <0x0A>; Llama-3 has newline tokens.
    expect(llama2!.efficiency.en!.byteTokenShare).toBeGreaterThan(0);
    expect(llama3!.efficiency.en!.byteTokenShare).toBe(0);
    for (const model of report.models) {
      expect(model.charactersPerToken).toBe(model.efficiency.ru!.charactersPerToken);
      expect(model.efficiency.en!.tokensPerWord).toBeGreaterThan(1);
      // The same fixed Russian passage for both: tokens differ, characters do not.
      expect(model.speed.passageCharacters).toBe(report.models[0]!.speed.passageCharacters);
      expect(model.speed.newTokens).toBe(16);
      expect(model.speed.charactersPerSecond).toBeGreaterThan(0);
      expect(model.speed.prefillTokensPerSecond).toBeGreaterThan(0);
      // A random model over a 32k vocabulary: about log2(32000)/chars-per-token bits per character.
      expect(model.bitsPerCharacter.ru).toBeGreaterThan(1);
      expect(model.bitsPerCharacter.en).toBeGreaterThan(1);
      expect(model.multipleChoice.capitals!.count).toBe(6);
      const accuracy = model.multipleChoice.capitals!;
      expect(accuracy.interval).toEqual(wilsonInterval(Math.round(accuracy.accuracy * 6), 6));
      expect(model.speed.tokensPerSecond).toBeGreaterThan(0);
    }
    // The Llama-3-tokenizer model has a chat template: replies are generated and identified per prompt language.
    const alignment = report.models[0]!.alignment!;
    expect(Object.keys(alignment)).toEqual(["ru", "en"]);
    for (const result of Object.values(alignment)) {
      expect(result.count).toBe(3);
      // Each rate comes with its 95% Wilson interval over the same prompts.
      expect(result.shareInterval).toEqual(wilsonInterval(Math.round(result.share * 3), 3));
      expect(result.endedTurnInterval).toEqual(wilsonInterval(Math.round(result.endedTurn * 3), 3));
      expect(result.share).toBeGreaterThanOrEqual(0);
      expect(result.share).toBeLessThanOrEqual(1);
      expect(result.examples[0]!.prompt.length).toBeGreaterThan(0);
    }
    // The Llama-2-tokenizer fixture has no chat template: no alignment is claimed.
    expect(report.models[1]!.alignment).toBeUndefined();
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("Δ vs 1");
    expect(html).toContain("language alignment: ru prompts -&#62; ru replies");
    expect(html).toContain("tokens per word (ru)");
    expect(html).toContain("ru characters per second (fixed passage)");
    expect(html).toContain("1. llama3-tokenizer");
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("gives identical numbers when the same configuration runs twice on the CPU (timestamps and speeds aside)", async () => {
    const model = join(workspace.path, "deterministic");
    await createTinyModel({
      out: model,
      tokenizerDirectory: fixtureTokenizerDirectory("llama3"),
      hiddenSize: 32,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      intermediateSize: 64,
      seed: 7,
    });
    const heldout = join(workspace.path, "ru-deterministic.txt");
    await writeFile(heldout, fixtureText("ru-fortunes").slice(0, 800));
    const english = join(workspace.path, "en-deterministic.txt");
    await writeFile(english, fixtureText("en-fortunes").slice(0, 800));
    const tasks = join(workspace.path, "capitals-deterministic.jsonl");
    const lines = (await readFile(join(repositoryRoot(), "data", "tasks-en-capitals.jsonl"), "utf8")).split("\n").slice(0, 4);
    await writeFile(tasks, `${lines.join("\n")}\n`);
    // One fastText model for the three runs (loading it is most of a run's time); it is deterministic itself.
    const identifyLanguage = await createLanguageIdentifier();
    const run = async (name: string, generationBatchSize: number) => {
      const report = await evaluateModels({
        models: [model],
        language: "ru",
        heldout,
        englishHeldout: english,
        tasks: [tasks],
        prompts: [join(repositoryRoot(), "data", "prompts-ru.jsonl"), join(repositoryRoot(), "data", "prompts-en.jsonl")],
        alignmentPrompts: 5,
        generationBatchSize,
        identifyLanguage,
        out: join(workspace.path, name),
        threads: 1,
        speedNewTokens: 4,
      });
      const { created: _created, configuration, ...rest } = report;
      const { generationBatchSize: _batch, ...settings } = configuration;
      return { ...rest, configuration: settings, models: rest.models.map(({ speed: _speed, ...numbers }) => numbers) };
    };
    const first = await run("twice-1", 4);
    expect(first.models[0]!.alignment?.ru?.count).toBe(5);
    // A second run, and one generating one prompt at a time: the same numbers and replies.
    expect(await run("twice-2", 4)).toEqual(first);
    expect(await run("twice-3", 1)).toEqual(first);
  });

  const badTasks = [
    { name: "malformed JSON", text: '{"question": "q", "choices": ["a", "b"], "answer": 0}\n{not json}\n', line: 2, reason: "not valid JSON" },
    { name: "answer out of range", text: '{"question": "q", "choices": ["a", "b"], "answer": 2}\n', line: 1, reason: "out of range" },
    { name: "choices missing", text: '{"question": "q", "answer": 0}\n', line: 1, reason: '"choices"' },
  ];
  for (const testCase of badTasks) {
    it(`rejects a task file: ${testCase.name}`, async () => {
      const path = join(workspace.path, `bad-${testCase.line}-${testCase.reason.length}.jsonl`);
      await writeFile(path, testCase.text);
      const error = await readMultipleChoiceTasks(path).catch((caught: unknown) => caught);
      expect(TaskFileError.isInstance(error)).toBe(true);
      expect((error as TaskFileError).line).toBe(testCase.line);
      expect((error as Error).message).toContain(testCase.reason);
    });
  }

  const badPrompts = [
    { name: "malformed JSON", text: '{"prompt": "Привет", "lang": "ru"}\n{"prompt": \n', line: 2, reason: "not valid JSON" },
    { name: "prompt missing", text: '{"lang": "ru"}\n', line: 1, reason: '"prompt" must be a non-empty string' },
    { name: "language missing", text: '{"prompt": "Hello"}\n', line: 1, reason: '"lang" must be a language code' },
    {
      name: "two languages in one file",
      text: '{"prompt": "Привет", "lang": "ru"}\n{"prompt": "Hello", "lang": "en"}\n',
      line: 2,
      reason: 'earlier lines are "ru"',
    },
    { name: "no prompts", text: "\n", line: 1, reason: "no prompts" },
  ];
  for (const [index, testCase] of badPrompts.entries()) {
    it(`rejects a prompts file: ${testCase.name}`, async () => {
      const path = join(workspace.path, `bad-prompts-${index}.jsonl`);
      await writeFile(path, testCase.text);
      const error = await readPromptSet(path).catch((caught: unknown) => caught);
      expect(PromptFileError.isInstance(error)).toBe(true);
      expect((error as PromptFileError).line).toBe(testCase.line);
      expect((error as Error).message).toContain(testCase.reason);
    });
  }

  it("reads a prompts file: every prompt, one language, at most the limit", async () => {
    const path = join(repositoryRoot(), "data", "prompts-ru.jsonl");
    const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line.trim() !== "");
    expect(await readPromptSet(path)).toEqual({ language: "ru", prompts: lines.map((line) => JSON.parse(line).prompt) });
    expect((await readPromptSet(path, 2)).prompts).toHaveLength(2);
  });
});

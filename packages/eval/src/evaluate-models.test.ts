import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTinyModel } from "@graft/hf";
import { fixtureText, fixtureTokenizerDirectory, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { evaluateModels, type EvaluationReport } from "./evaluate-models.js";
import { readMultipleChoiceTasks } from "./multiple-choice.js";
import { TaskFileError } from "./task-file-error.js";

const workspace = temporaryDirectory("graft-eval-report-");
afterAll(() => workspace.remove());

describe("evaluateModels", () => {
  it("writes report.json and a self-contained report.html with every model side by side", async () => {
    const models: string[] = [];
    for (const [index, architecture] of (["llama", "qwen2"] as const).entries()) {
      const out = join(workspace.path, `model-${index}`);
      await createTinyModel({ out, tokenizerDirectory: fixtureTokenizerDirectory(index === 0 ? "llama3" : "llama2"), architecture, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, intermediateSize: 128, seed: index + 1 });
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

    const report = await evaluateModels({ models, language: "ru", heldout, englishHeldout: english, tasks: [tasks], prompts: [join(repositoryRoot(), "data", "prompts-ru.jsonl"), join(repositoryRoot(), "data", "prompts-en.jsonl")], alignmentPrompts: 3, out, threads: 1 });
    const written = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as EvaluationReport;
    expect(written.models.map((model) => model.model)).toEqual(models);
    for (const model of report.models) {
      expect(model.charactersPerToken).toBeGreaterThan(1);
      // A random model over a 32k vocabulary: about log2(32000)/chars-per-token bits per character.
      expect(model.bitsPerCharacter.ru).toBeGreaterThan(1);
      expect(model.bitsPerCharacter.en).toBeGreaterThan(1);
      expect(model.multipleChoice.capitals!.count).toBe(6);
      expect(model.speed.newTokens).toBeGreaterThan(0);
      expect(model.speed.tokensPerSecond).toBeGreaterThan(0);
    }
    // The Llama-3-tokenizer model has a chat template: replies are generated and identified per prompt language.
    const alignment = report.models[0]!.alignment!;
    expect(Object.keys(alignment)).toEqual(["ru", "en"]);
    for (const result of Object.values(alignment)) {
      expect(result.count).toBe(3);
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
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  const badTasks = [
    { name: "malformed JSON", text: '{"question": "q", "choices": ["a", "b"], "answer": 0}\n{not json}\n', line: 2, reason: "not valid JSON" },
    { name: "answer out of range", text: '{"question": "q", "choices": ["a", "b"], "answer": 2}\n', line: 1, reason: "out of range" },
    { name: "choices missing", text: '{"question": "q", "answer": 0}\n', line: 1, reason: "\"choices\"" },
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
});

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTinyModel, fixtureText, fixtureTokenizerDirectory, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
const data = (name: string) => join(repositoryRoot(), "data", name);
let llama3: string;
let llama2: string;
let heldout: string;
let tasks: string;

beforeAll(async () => {
  const shape = { hiddenSize: 16, layers: 1, heads: 2, kvHeads: 1, intermediateSize: 32 };
  // Llama-3's tokenizer ships a chat template (alignment is measured); the Llama-2 fixture has none.
  llama3 = await createTinyModel({ ...shape, out: join(work.path, "llama3"), tokenizerDirectory: fixtureTokenizerDirectory("llama3"), seed: 1 });
  llama2 = await createTinyModel({ ...shape, out: join(work.path, "llama2"), tokenizerDirectory: fixtureTokenizerDirectory("llama2"), seed: 2 });
  heldout = join(work.path, "ru.txt");
  writeFileSync(heldout, fixtureText("ru-fortunes").slice(0, 900));
  tasks = join(work.path, "capitals.jsonl");
  writeFileSync(tasks, `${readFileSync(data("tasks-en-capitals.jsonl"), "utf8").split("\n").slice(0, 4).join("\n")}\n`);
});
afterAll(() => work.remove());

const base = () => ["--lang", "ru", "--heldout", heldout, "--heldout-characters", "600", "--speed-tokens", "4", "--threads", "1"];

describe("graft eval", () => {
  it("measures two models side by side under their names and prints one line each", async () => {
    const out = join(work.path, "report");
    const result = await graft(
      "eval",
      "--model",
      llama3,
      "--model",
      llama2,
      "--name",
      "llama3-vocab",
      "--name",
      "llama2-vocab",
      ...base(),
      "--heldout-en",
      data("en-heldout.txt.gz"),
      "--tasks",
      tasks,
      "--prompts",
      data("prompts-ru.jsonl"),
      "--prompts",
      data("prompts-en.jsonl"),
      "--alignment-prompts",
      "1",
      "--out",
      out,
    );
    expect(result.code).toBe(0);
    const lines = result.out.trim().split("\n");
    expect(lines[0]).toMatch(
      /^llama3-vocab: chars\/token ru \d\.\d{3}, en \d\.\d{3}, tokens\/word \d\.\d{3}, bits\/char ru \d+\.\d{3}, en \d+\.\d{3}, capitals \d\.\d\d \[\d\.\d\d, \d\.\d\d\] n=4, alignment ru \d\.\d\d \[\d\.\d\d, \d\.\d\d\] n=1, en \d\.\d\d \[\d\.\d\d, \d\.\d\d\] n=1, turn ended ru \d\.\d\d \[\d\.\d\d, \d\.\d\d\] n=1, en \d\.\d\d \[\d\.\d\d, \d\.\d\d\] n=1, [\d.]+ tok\/s, [\d.]+ ru chars\/s$/,
    );
    expect(lines[1]).toMatch(/^llama2-vocab: .*capitals \d\.\d\d \[\d\.\d\d, \d\.\d\d\] n=4, [\d.]+ tok\/s/);
    expect(lines[1]).not.toContain("alignment");
    expect(lines[2]).toBe(`wrote ${out}/report.json and ${out}/report.html`);
    expect(result.err).toContain(`${llama3}: language alignment (ru prompts)`);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.models.map((model: { name: string }) => model.name)).toEqual(["llama3-vocab", "llama2-vocab"]);
    expect(report.configuration).toMatchObject({ backend: "onnx", heldoutCharacters: 600, alignmentPrompts: 1, speedNewTokens: 4 });
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("2. llama2-vocab");
  });

  it("--backend python --json: progress events, then eval-done with the transformers versions in the report", async () => {
    const out = join(work.path, "report-python");
    const result = await graft("eval", "--model", llama2, "--backend", "python", "--device", "cpu", ...base(), "--out", out, "--json");
    expect(result.code).toBe(0);
    const events = result.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events[0]).toEqual({ type: "eval-progress", model: llama2, step: "load (python)" });
    const done = events.at(-1);
    expect(done.type).toBe("eval-done");
    expect(done.models[0]).toMatchObject({ name: "llama2", backend: "python" });
    const report = JSON.parse(readFileSync(done.report, "utf8"));
    expect(report.versions.transformers).toMatch(/^\d+\.\d+/);
    expect(report.configuration.python).toEqual({ device: "cpu" });
  });

  const failures = [
    { name: "no --model", argv: () => [...base(), "--out", join(work.path, "x")], code: 2, reason: /UsageError: missing --model; see graft eval --help/ },
    {
      name: "missing --lang and --out",
      argv: () => ["--model", llama2, "--heldout", heldout],
      code: 2,
      reason: /UsageError: missing --lang, --out; see graft eval --help/,
    },
    {
      name: "names that do not match the models",
      argv: () => ["--model", llama2, "--model", llama3, "--name", "one", ...base(), "--out", join(work.path, "x")],
      code: 2,
      reason: /UsageError: 1 --name for 2 --model/,
    },
    {
      name: "an unknown backend",
      argv: () => ["--model", llama2, "--backend", "tensorrt", ...base(), "--out", join(work.path, "x")],
      code: 2,
      reason: /UsageError: --backend must be one of onnx, python, got "tensorrt"/,
    },
    {
      name: "--dtype with the ONNX backend",
      argv: () => ["--model", llama2, "--dtype", "bfloat16", ...base(), "--out", join(work.path, "x")],
      code: 2,
      reason: /UsageError: --device and --dtype apply to --backend python/,
    },
    {
      name: "a count that is not a whole number",
      argv: () => ["--model", llama2, ...base(), "--alignment-prompts", "many", "--out", join(work.path, "x")],
      code: 2,
      reason: /UsageError: --alignment-prompts must be a whole number >= 1, got "many"; see graft eval --help/,
    },
    {
      name: "a malformed prompts file (PromptFileError with the line)",
      argv: () => {
        const prompts = join(work.path, "bad-prompts.jsonl");
        writeFileSync(prompts, '{"prompt": "Привет", "lang": "ru"}\n{"prompt": "Hello"}\n');
        return ["--model", llama2, ...base(), "--prompts", prompts, "--out", join(work.path, "x")];
      },
      code: 1,
      reason: /PromptFileError: .*bad-prompts\.jsonl:2: "lang" must be a language code/,
    },
    {
      name: "a task whose answer index is out of range (TaskFileError with the line)",
      argv: () => {
        const bad = join(work.path, "bad-tasks.jsonl");
        writeFileSync(bad, '{"question": "2+2?", "choices": ["4", "5"], "answer": 0}\n{"question": "1+1?", "choices": ["2", "3"], "answer": 7}\n');
        return ["--model", llama2, ...base(), "--tasks", bad, "--out", join(work.path, "x")];
      },
      code: 1,
      reason: /TaskFileError: .*bad-tasks\.jsonl:2: "answer" 7 is out of range for 2 choices/,
    },
  ];
  for (const testCase of failures) {
    it(`fails with a typed error for ${testCase.name}`, async () => {
      const result = await graft("eval", ...testCase.argv());
      expect(result.code).toBe(testCase.code);
      expect(result.err).toMatch(testCase.reason);
    });
  }
});

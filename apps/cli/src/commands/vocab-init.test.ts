import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createTinyModel, fixtureTokenizerDirectory, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { extendTokenizer } from "@graft/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
const model = join(work.path, "model");
const tokenizer = join(work.path, "tokenizer");

beforeAll(async () => {
  const corpus = join(work.path, "ru.txt");
  writeFileSync(
    corpus,
    gunzipSync(readFileSync(join(repositoryRoot(), "data", "ru-train.txt.gz")))
      .toString("utf8")
      .split("\n")
      .slice(0, 1000)
      .join("\n"),
  );
  await createTinyModel({
    out: model,
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    hiddenSize: 8,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediateSize: 16,
    seed: 5,
  });
  await extendTokenizer({ base: model, corpus: [corpus], add: 60, out: tokenizer });
});

describe("graft vocab init", () => {
  it("--json: one event per line, then the report; the model directory has the padded rows", async () => {
    const out = join(work.path, "merge-tree");
    const result = await graft(
      "vocab",
      "init",
      "--model",
      model,
      "--tokenizer",
      tokenizer,
      "--method",
      "merge-tree",
      "--pad-to-multiple-of",
      "32",
      "--out",
      out,
      "--json",
    );
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const lines = result.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.type === "module-initialized").map((line) => line.module)).toEqual(["model.embed_tokens.weight", "lm_head.weight"]);
    const report = lines.at(-1);
    expect(report).toMatchObject({ type: "report", method: "merge-tree", oldRows: 32000, rows: 32064, tied: false, padding: { kept: 0, filled: 4 } });
    expect(report.kinds.segmented + report.kinds.unsegmentable).toBe(60);
    expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).vocab_size).toBe(32064);
  });

  const refusals = [
    {
      label: "an unknown method",
      argv: ["--model", model, "--tokenizer", tokenizer, "--method", "magic", "--out", join(work.path, "x1")],
      code: 2,
      message: /UsageError: --method must be one of mean, merge-tree, got "magic"; see graft vocab init --help/,
    },
    { label: "missing flags", argv: ["--model", model], code: 2, message: /UsageError: missing --tokenizer, --out; see graft vocab init --help/ },
    {
      label: "a bad --pad-to-multiple-of",
      argv: ["--model", model, "--tokenizer", tokenizer, "--pad-to-multiple-of", "0", "--out", join(work.path, "x2")],
      code: 2,
      message: /UsageError: --pad-to-multiple-of must be a whole number >= 1, got "0"/,
    },
    {
      label: "a tokenizer that does not extend the model's (typed error from @graft/vocab)",
      argv: ["--model", model, "--tokenizer", fixtureTokenizerDirectory("llama3"), "--out", join(work.path, "x3")],
      code: 1,
      message: /VocabularyInputError: .*does not extend the model's/,
    },
  ];
  it.each(refusals)("refuses $label", async ({ argv, code, message }) => {
    const result = await graft("vocab", "init", ...argv);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
    expect(existsSync(join(work.path, "x1")) || existsSync(join(work.path, "x2")) || existsSync(join(work.path, "x3"))).toBe(false);
  });
});

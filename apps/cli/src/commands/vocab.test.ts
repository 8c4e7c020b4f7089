import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createTinyModel, fixtureTokenizerDirectory, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

describe("graft vocab", () => {
  it("extend → stats → init on a tiny model: the tokenizer gets denser on Russian, the model gets the rows", async () => {
    const corpus = join(work.path, "ru.txt");
    writeFileSync(
      corpus,
      gunzipSync(readFileSync(join(repositoryRoot(), "data", "ru-train.txt.gz")))
        .toString("utf8")
        .split("\n")
        .slice(0, 3000)
        .join("\n"),
    );
    const model = await createTinyModel({
      out: join(work.path, "model"),
      tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
      hiddenSize: 8,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      intermediateSize: 16,
      seed: 2,
    });
    const tokenizer = join(work.path, "tokenizer");
    const extended = await graft("vocab", "extend", "--base", model, "--corpus", corpus, "--add", "300", "--script", "Cyrillic", "--out", tokenizer);
    expect(extended.err).toBe("");
    expect(extended.code).toBe(0);
    expect(extended.out).toMatch(/300\/300 new tokens, ids 32000\.\.32299/);
    expect(existsSync(join(tokenizer, "vocab_extension.json"))).toBe(true);

    const stats = await graft(
      "vocab",
      "stats",
      "--tokenizer",
      model,
      "--tokenizer",
      tokenizer,
      "--text",
      join(repositoryRoot(), "data", "ru-heldout.txt.gz"),
      "--json",
    );
    expect(stats.code).toBe(0);
    const [before, after] = stats.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(after.charactersPerToken).toBeGreaterThan(before.charactersPerToken);

    const initialized = join(work.path, "initialized");
    const init = await graft(
      "vocab",
      "init",
      "--model",
      model,
      "--tokenizer",
      tokenizer,
      "--method",
      "mean",
      "--pad-to-multiple-of",
      "64",
      "--out",
      initialized,
    );
    expect(init.code).toBe(0);
    expect(init.out).toMatch(/32000 -> 32320 rows/);
    expect(JSON.parse(readFileSync(join(initialized, "config.json"), "utf8")).vocab_size).toBe(32320);
  });

  it("names the missing flags", async () => {
    const result = await graft("vocab", "extend", "--base", "x");
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/UsageError: missing --add, --out, --corpus; see graft vocab extend --help/);
  });
});

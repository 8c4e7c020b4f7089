// An --out that is an input (or contains one) is refused by every command that writes a
// directory, --overwrite or not, and every input file stays byte-identical.
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { realModel, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory("graft-overlap-cli-");
afterAll(() => work.remove());
const model = join(work.path, "model");
const corpus = join(work.path, "texts");

function snapshot(directory: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(directory, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => [join(entry.parentPath, entry.name), readFileSync(join(entry.parentPath, entry.name)).toString("base64")]),
  );
}

beforeAll(() => {
  cpSync(join(repositoryRoot(), "zoo", "tiny-en-instruct"), model, { recursive: true });
  cpSync(join(repositoryRoot(), "data", "ru-heldout.txt.gz"), join(corpus, "ru.txt.gz"), { recursive: true });
  writeFileSync(join(corpus, "en.txt"), "An English line for the test.\n");
});

describe("an --out over an input", () => {
  const cases = [
    {
      command: "vocab extend",
      argv: () => ["vocab", "extend", "--base", model, "--corpus", join(corpus, "ru.txt.gz"), "--add", "10", "--out", model, "--overwrite"],
    },
    { command: "vocab init", argv: () => ["vocab", "init", "--model", model, "--tokenizer", model, "--out", model, "--overwrite"] },
    { command: "lep", argv: () => ["lep", "--base", model, "--instruct", model, "--donor", model, "--out", model, "--overwrite"] },
    { command: "export onnx", argv: () => ["export", "onnx", "--model", model, "--out", model, "--overwrite"] },
    { command: "eval", argv: () => ["eval", "--model", model, "--lang", "ru", "--heldout", join(corpus, "ru.txt.gz"), "--out", model, "--overwrite"] },
    {
      command: "corpus build (out is the input directory)",
      argv: () => ["corpus", "build", corpus, "--tokenizer", model, "--seq-len", "64", "--out", corpus, "--overwrite"],
    },
    {
      command: "corpus build (out is the tokenizer's model)",
      argv: () => ["corpus", "build", join(corpus, "en.txt"), "--tokenizer", model, "--seq-len", "64", "--out", model, "--overwrite"],
    },
  ];
  for (const testCase of cases) {
    it(`${testCase.command}: refused with OutputOverlapsInputError, inputs byte-identical`, async () => {
      const before = { ...snapshot(model), ...snapshot(corpus) };
      const result = await graft(...testCase.argv());
      expect(result.code, result.err).toBe(1);
      expect(result.err).toMatch(/OutputOverlapsInputError: the output .* (is|contains) the input/);
      expect(result.err).not.toMatch(/\n\s+at /);
      expect({ ...snapshot(model), ...snapshot(corpus) }).toEqual(before);
      expect(readdirSync(work.path).filter((name) => name.includes(".tmp-") || name.endsWith(".partial"))).toEqual([]);
    });
  }

  it("import gguf: --out the directory holding the GGUF file is refused, the file kept", async (context) => {
    const model = await realModel("smollm2");
    if (!model.path) return context.skip(model.skip);
    const holder = join(work.path, "gguf-holder");
    cpSync(model.path, join(holder, "model.gguf"));
    const before = snapshot(holder);
    const result = await graft("import", "gguf", join(holder, "model.gguf"), "--out", holder, "--overwrite");
    expect(result.code, result.err).toBe(1);
    expect(result.err).toMatch(/OutputOverlapsInputError: the output .* contains the input .*model\.gguf/);
    expect(snapshot(holder)).toEqual(before);
  });
});

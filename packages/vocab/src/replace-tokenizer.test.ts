import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadTokenizer } from "@graft/hf";
import { type FixtureTokenizerName, fixtureTokenizerDirectory, repositoryRoot, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { replaceTokenizer } from "./replace-tokenizer.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
const lines = (file: string) =>
  gunzipSync(readFileSync(join(repositoryRoot(), "data", file)))
    .toString("utf8")
    .split("\n");
const corpus = join(work.path, "ru.txt");
writeFileSync(corpus, lines("ru-train.txt.gz").slice(0, 10_000).join("\n"));
const texts = [...lines("ru-heldout.txt.gz"), ...lines("en-heldout.txt.gz").slice(0, 300), "Ёжик 🦔 中文 e\u0301 ẞ"].filter((line) => line.trim() !== "");
const SIZE = 3000;

describe("replaceTokenizer (full replacement, LEP's BPE variant)", () => {
  it.each([{ name: "llama3" as FixtureTokenizerName }, { name: "llama2" as FixtureTokenizerName }])(
    "$name: a fresh BPE of the asked size; Python tokenizers gives the same ids; added tokens keep their ids; decode round-trips",
    async ({ name }) => {
      const out = join(work.path, name);
      const report = await replaceTokenizer({
        base: fixtureTokenizerDirectory(name),
        corpus: [corpus],
        out,
        vocabularySize: SIZE,
        heldout: [join(repositoryRoot(), "data", "ru-heldout.txt.gz")],
      });
      const base = await loadTokenizer(fixtureTokenizerDirectory(name));
      const replaced = await loadTokenizer(out);
      expect(report.vocabularySize).toBe(SIZE);
      expect(report.warnings).toEqual([]);
      for (const token of base.addedTokens) expect(replaced.tokenToId(token.content), token.content).toBe(token.id);
      // A vocabulary learned on Russian alone: most new model tokens are Cyrillic, unlike the base's.
      expect(report.efficiency.after.charactersPerToken).toBeGreaterThan(1.5);
      const inputFile = join(work.path, `${name}-texts.json`);
      writeFileSync(inputFile, JSON.stringify(texts));
      const reference = runPythonJson<number[][]>(
        `
import json, sys
from tokenizers import Tokenizer
tokenizer = Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")
print(json.dumps([e.ids for e in tokenizer.encode_batch(json.load(open(sys.argv[2])))]))
`,
        { args: [out, inputFile] },
      );
      const ours = texts.map((text) => replaced.encode(text));
      expect(texts.filter((_, index) => JSON.stringify(ours[index]) !== JSON.stringify(reference[index])).slice(0, 3)).toEqual([]);
      expect(
        texts
          .filter((text, index) => replaced.decode(ours[index] as number[], { skipSpecialTokens: true, cleanUpTokenizationSpaces: false }) !== text)
          .slice(0, 3),
      ).toEqual([]);
    },
  );
});

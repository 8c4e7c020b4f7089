import { readFileSync, writeFileSync } from "node:fs";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { GraftError } from "@graft/errors";
import { loadTokenizer } from "@graft/hf";
import { FIXTURE_TOKENIZER_NAMES, fixtureTokenizerDirectory, repositoryRoot, runPythonJson, temporaryDirectory } from "@graft/testing";
import { describe, expect, it } from "vitest";
import { type ExtensionReport, extendTokenizer } from "./extend-tokenizer.js";
import { UnsupportedTokenizerError } from "./unsupported-tokenizer-error.js";
import { VocabularyInputError } from "./vocabulary-input-error.js";

const NEW_TOKENS = 1500;
/** Training text: the first lines of the packaged Russian corpus. */
const TRAINING_LINES = 15_000;

const dataLines = (file: string) =>
  gunzipSync(readFileSync(join(repositoryRoot(), "data", file)))
    .toString("utf8")
    .split("\n");
const russian = dataLines("ru-train.txt.gz");
const training = russian.slice(0, TRAINING_LINES).join("\n");
const englishHeldout = dataLines("en-heldout.txt.gz").filter((line) => line.trim() !== "");
/** About 1 MB of mixed Russian, English and code, none of it training text. */
const mixed = [
  ...dataLines("ru-heldout.txt.gz"),
  ...russian.slice(TRAINING_LINES + 1000, TRAINING_LINES + 5000),
  ...englishHeldout,
  ...readFileSync(join(repositoryRoot(), "packages", "vocab", "src", "learn-merges.ts"), "utf8").split("\n"),
  ...readFileSync(join(repositoryRoot(), "packages", "hf", "src", "bpe-id-merger.ts"), "utf8").split("\n"),
  "Съешь же ещё этих мягких французских булок, да выпей чаю. 🦔 ẞ 中文 e\u0301",
].filter((line) => line.length > 0);

async function extend(name: (typeof FIXTURE_TOKENIZER_NAMES)[number], out: string, corpusFile: string): Promise<ExtensionReport> {
  return extendTokenizer({
    base: fixtureTokenizerDirectory(name),
    corpus: [corpusFile],
    add: NEW_TOKENS,
    out,
    heldoutBase: [join(repositoryRoot(), "data", "en-heldout.txt.gz")],
    expectedScript: "Cyrillic",
  });
}

describe("extendTokenizer", () => {
  const work = temporaryDirectory();
  const corpusFile = join(work.path, "ru.txt");
  writeFileSync(corpusFile, training);

  it.each(FIXTURE_TOKENIZER_NAMES.map((name) => ({ name })))(
    "$name: Python tokenizers gives identical ids on ~1 MB of mixed text, transformers renders the chat template the same, decode round-trips, every merge fires",
    async ({ name }) => {
      const out = join(work.path, `extended-${name}`);
      const report = await extend(name, out, corpusFile);
      const base = await loadTokenizer(fixtureTokenizerDirectory(name));
      const extended = await loadTokenizer(out);
      expect(report.added).toBe(NEW_TOKENS);
      expect(report.firstNewId).toBe(base.idLimit);
      expect(extended.idLimit).toBe(base.idLimit + NEW_TOKENS);
      // Added/special tokens keep their ids.
      for (const token of base.addedTokens) expect(extended.tokenToId(token.content), token.content).toBe(token.id);
      expect(report.efficiency.after.charactersPerToken).toBeGreaterThan(report.efficiency.before.charactersPerToken * 1.05);
      // Append mode: held-out English encodes as before on at least 99% of lines.
      const changed = report.baseLinesChanged as { changed: number; total: number };
      expect(changed.total).toBeGreaterThan(500);
      expect(changed.changed / changed.total).toBeLessThanOrEqual(0.01);

      const ours = mixed.map((line) => extended.encode(line));
      expect(Buffer.byteLength(mixed.join("\n"))).toBeGreaterThan(1_000_000);
      const inputFile = join(work.path, `mixed-${name}.json`);
      writeFileSync(inputFile, JSON.stringify(mixed));
      const reference = runPythonJson<{ ids: number[][]; decoded: string[]; vocab: number; template: [string, string] | null }>(
        `
import json, sys
from tokenizers import Tokenizer
from transformers import AutoTokenizer
lines = json.load(open(sys.argv[2]))
tokenizer = Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")
encodings = tokenizer.encode_batch(lines)
ids = [e.ids for e in encodings]
decoded = [tokenizer.decode(e.ids, skip_special_tokens=True) for e in encodings[:3000]]
auto = AutoTokenizer.from_pretrained(sys.argv[1])
base = AutoTokenizer.from_pretrained(sys.argv[3])
template = None
if auto.chat_template:
    messages = [{"role": "user", "content": "Привет!"}, {"role": "assistant", "content": "Здравствуйте."}]
    template = [auto.apply_chat_template(messages, tokenize=False), base.apply_chat_template(messages, tokenize=False)]
print(json.dumps({"ids": ids, "decoded": decoded, "vocab": len(auto), "template": template}))
`,
        { args: [out, inputFile, fixtureTokenizerDirectory(name)] },
      );
      const differing = mixed.filter((_, index) => JSON.stringify(ours[index]) !== JSON.stringify(reference.ids[index]));
      expect(differing.slice(0, 3)).toEqual([]);
      expect(reference.vocab).toBe(extended.vocabSize);
      if (reference.template) expect(reference.template[0]).toBe(reference.template[1]);
      // decode(encode(x)) == x after the tokenizer's own normalisation (NFC for Qwen2.5).
      const normalise = name === "qwen2_5" ? (text: string) => text.normalize("NFC") : (text: string) => text;
      const notRoundTripping = mixed
        .slice(0, 3000)
        .filter((line, index) => extended.decode(ours[index], { skipSpecialTokens: true }) !== normalise(line) && reference.decoded[index] !== normalise(line));
      expect(notRoundTripping.slice(0, 3)).toEqual([]);

      // Every new merge fires on its training corpus: the token is emitted, or is a part of a token that fires.
      const emitted = new Set<number>();
      for (const line of training.split("\n"))
        for (const id of extended.encode(line, { addSpecialTokens: false })) if (id >= report.firstNewId) emitted.add(id);
      const merges = (JSON.parse(readFileSync(join(out, "tokenizer.json"), "utf8")).model.merges as (string | [string, string])[]).slice(-NEW_TOKENS);
      const fired = new Set<string>();
      for (let index = merges.length - 1; index >= 0; index -= 1) {
        const [left, right] = typeof merges[index] === "string" ? (merges[index] as string).split(" ") : (merges[index] as [string, string]);
        const token = left + right;
        if (emitted.has(extended.tokenToId(token) as number) || fired.has(token)) {
          fired.add(token);
          fired.add(left);
          fired.add(right);
        }
      }
      const dead = merges.filter((merge) => {
        const [left, right] = typeof merge === "string" ? merge.split(" ") : merge;
        return !fired.has(left + right);
      });
      expect(dead).toEqual([]);
    },
  );

  it("prepend mode puts the new merges first and reports how many English lines changed", async () => {
    const out = join(work.path, "prepend");
    const report = await extendTokenizer({
      base: fixtureTokenizerDirectory("llama3"),
      corpus: [corpusFile],
      add: 300,
      out,
      mergeOrder: "prepend",
      heldoutBase: [join(repositoryRoot(), "data", "en-heldout.txt.gz")],
    });
    const json = JSON.parse(readFileSync(join(out, "tokenizer.json"), "utf8"));
    const first = json.model.merges[0];
    const firstToken = Array.isArray(first) ? first.join("") : first.replace(" ", "");
    expect(json.model.vocab[firstToken]).toBeGreaterThanOrEqual(report.firstNewId);
    expect(report.baseLinesChanged?.total).toBeGreaterThan(0);
  });

  it("stops with a warning and reports the count when fewer merges are available than requested", async () => {
    const small = join(work.path, "small.txt");
    writeFileSync(small, "привет привет мир мир\nпривет мир\n");
    const report = await extendTokenizer({ base: fixtureTokenizerDirectory("llama3"), corpus: [small], add: 10_000, out: join(work.path, "small-out") });
    expect(report.added).toBeGreaterThan(0);
    expect(report.added).toBeLessThan(100);
    expect(report.warnings.join(" ")).toMatch(new RegExp(`only ${report.added} of 10000`));
  });

  const badCases: {
    name: string;
    setup: () => Promise<{ base: string; corpus: string; script?: string }>;
    error: new (...args: never[]) => GraftError;
    message: RegExp;
  }[] = [
    {
      name: "a Unigram tokenizer",
      setup: async () => {
        const base = join(work.path, "unigram");
        await cp(fixtureTokenizerDirectory("llama2"), base, { recursive: true });
        writeFileSync(
          join(base, "tokenizer.json"),
          JSON.stringify({
            version: "1.0",
            added_tokens: [],
            normalizer: null,
            pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true },
            post_processor: null,
            decoder: null,
            model: {
              type: "Unigram",
              unk_id: 0,
              vocab: [
                ["<unk>", 0],
                ["▁", -1],
                ["a", -2],
              ],
              byte_fallback: false,
            },
          }),
        );
        return { base, corpus: corpusFile };
      },
      error: UnsupportedTokenizerError,
      message: /cannot extend a Unigram tokenizer/,
    },
    {
      name: "a WordPiece tokenizer",
      setup: async () => {
        const base = join(work.path, "wordpiece");
        await cp(fixtureTokenizerDirectory("llama2"), base, { recursive: true });
        writeFileSync(
          join(base, "tokenizer.json"),
          JSON.stringify({
            version: "1.0",
            added_tokens: [],
            normalizer: null,
            pre_tokenizer: { type: "Whitespace" },
            post_processor: null,
            decoder: null,
            model: {
              type: "WordPiece",
              unk_token: "[UNK]",
              continuing_subword_prefix: "##",
              max_input_chars_per_word: 100,
              vocab: { "[UNK]": 0, a: 1, "##b": 2 },
            },
          }),
        );
        return { base, corpus: corpusFile };
      },
      error: UnsupportedTokenizerError,
      message: /cannot extend a WordPiece tokenizer/,
    },
    {
      name: "an empty corpus",
      setup: async () => {
        const corpus = join(work.path, "empty.txt");
        writeFileSync(corpus, "\n\n");
        return { base: fixtureTokenizerDirectory("llama3"), corpus };
      },
      error: VocabularyInputError,
      message: /the corpus has no text/,
    },
    {
      name: "a corpus with no text in the expected script",
      setup: async () => {
        const corpus = join(work.path, "english.txt");
        writeFileSync(corpus, englishHeldout.slice(0, 200).join("\n"));
        return { base: fixtureTokenizerDirectory("llama3"), corpus, script: "Cyrillic" };
      },
      error: VocabularyInputError,
      message: /no line of the corpus contains Cyrillic script/,
    },
    {
      name: "a merge naming a token missing from the vocab",
      setup: async () => {
        const base = join(work.path, "broken-merge");
        await cp(fixtureTokenizerDirectory("llama3"), base, { recursive: true });
        const json = JSON.parse(readFileSync(join(base, "tokenizer.json"), "utf8"));
        json.model.merges.splice(5, 0, Array.isArray(json.model.merges[0]) ? ["Ġqqzzxw", "qq"] : "Ġqqzzxw qq");
        writeFileSync(join(base, "tokenizer.json"), JSON.stringify(json));
        return { base, corpus: corpusFile };
      },
      error: VocabularyInputError,
      message: /merge #5 "Ġqqzzxw qq" names "Ġqqzzxw", which is not in model.vocab/,
    },
  ];
  it.each(badCases)("refuses $name with a typed error and writes nothing", async ({ name, setup, error, message }) => {
    const { base, corpus, script } = await setup();
    const out = join(work.path, `bad-${name.replace(/\W+/g, "-")}`);
    const attempt = extendTokenizer({ base, corpus: [corpus], add: 100, out, expectedScript: script });
    await expect(attempt).rejects.toBeInstanceOf(error);
    await expect(attempt).rejects.toThrow(message);
    expect(() => readFileSync(join(out, "tokenizer.json"))).toThrow();
  });
});

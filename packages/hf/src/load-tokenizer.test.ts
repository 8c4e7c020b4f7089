import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURE_TOKENIZER_NAMES, fixtureText, fixtureTokenizerDirectory, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { loadTokenizer } from "./load-tokenizer.js";
import { TokenizerLoadError } from "./tokenizer-load-error.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

const TRICKY = [
  "",
  " ",
  "Hello, world!",
  "  leading and   inner   spaces\t\ttabs\n\nnewlines  ",
  "Привет, мир! Съешь же ещё этих мягких французских булок.",
  "中文测试，混合 English 和数字 12345。",
  "emoji 👩‍💻🚀 and accents: café, naïve, Ångström",
  "numbers 3.14159 1,000,000 2026-11-22 0x7fc0",
  "<|begin_of_text|>special<|eot_id|> in text <s> </s>",
  "x".repeat(300),
  "e\u0301 composed vs é precomposed",
];

function paragraphs(text: string, count: number): string[] {
  return text.split("\n\n").slice(0, count);
}

describe("loadTokenizer", () => {
  it("encodes and decodes exactly like Python tokenizers on the real Llama-3, Qwen2.5 and Llama-2 tokenizers", async () => {
    const texts = [...TRICKY, ...paragraphs(fixtureText("ru-fortunes"), 150), ...paragraphs(fixtureText("en-fortunes"), 80)];
    for (const name of FIXTURE_TOKENIZER_NAMES) {
      const directory = fixtureTokenizerDirectory(name);
      const tokenizer = await loadTokenizer(directory);
      const reference = runPythonJson<{ with: number[][]; without: number[][]; decoded: string[] }>(
        `
import json, sys
from tokenizers import Tokenizer
tokenizer = Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")
texts = json.loads(sys.stdin.read())
with_special = [e.ids for e in tokenizer.encode_batch(texts)]
without = [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
print(json.dumps({"with": with_special, "without": without, "decoded": [tokenizer.decode(ids, skip_special_tokens=False) for ids in without]}))
`,
        { args: [directory], input: JSON.stringify(texts) },
      );
      const mismatches = texts
        .map((text, index) => ({ text, index }))
        .filter(
          ({ text, index }) =>
            JSON.stringify(tokenizer.encode(text)) !== JSON.stringify(reference.with[index]) ||
            JSON.stringify(tokenizer.encode(text, { addSpecialTokens: false })) !== JSON.stringify(reference.without[index]),
        );
      expect(
        mismatches.slice(0, 3).map((mismatch) => mismatch.text.slice(0, 60)),
        name,
      ).toEqual([]);
      const decodeMismatches = texts.filter(
        (_, index) => tokenizer.decode(reference.without[index], { cleanUpTokenizationSpaces: false }) !== reference.decoded[index],
      );
      expect(decodeMismatches.slice(0, 3), name).toEqual([]);
    }
  });

  it("resolves special tokens and sizes like transformers", async () => {
    const cases = [
      { name: "llama3", bos: "<|begin_of_text|>", eos: "<|end_of_text|>", vocabSize: 128256 },
      { name: "qwen2_5", bos: undefined, eos: "<|im_end|>", vocabSize: 151665 },
      { name: "llama2", bos: "<s>", eos: "</s>", vocabSize: 32000 },
    ] as const;
    const reference = runPythonJson<Record<string, { bos: number | null; eos: number | null; length: number }>>(
      `
import json, sys
from transformers import AutoTokenizer
out = {}
for name, directory in zip(sys.argv[1::2], sys.argv[2::2]):
    tokenizer = AutoTokenizer.from_pretrained(directory)
    out[name] = {"bos": tokenizer.bos_token_id, "eos": tokenizer.eos_token_id, "length": len(tokenizer)}
print(json.dumps(out))
`,
      { args: cases.flatMap((testCase) => [testCase.name, fixtureTokenizerDirectory(testCase.name)]) },
    );
    for (const testCase of cases) {
      const tokenizer = await loadTokenizer(fixtureTokenizerDirectory(testCase.name));
      expect(tokenizer.specialTokens.bos?.content, testCase.name).toBe(testCase.bos);
      expect(tokenizer.specialTokens.eos?.content, testCase.name).toBe(testCase.eos);
      expect(tokenizer.specialTokens.eos?.id ?? null, testCase.name).toBe(reference[testCase.name].eos);
      expect(tokenizer.specialTokens.bos?.id ?? null, testCase.name).toBe(reference[testCase.name].bos);
      expect(tokenizer.vocabSize, testCase.name).toBe(reference[testCase.name].length);
      expect(tokenizer.vocabSize, testCase.name).toBe(testCase.vocabSize);
      expect(tokenizer.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("loads lazily (vocabulary from tokenizer.json, library on first encode) with the same vocabulary, ids and encodings", async () => {
    const texts = [...TRICKY, ...paragraphs(fixtureText("ru-fortunes"), 20)];
    for (const name of FIXTURE_TOKENIZER_NAMES) {
      const directory = fixtureTokenizerDirectory(name);
      const eager = await loadTokenizer(directory);
      const lazy = await loadTokenizer(directory, { lazy: true });
      expect(lazy.vocabSize, name).toBe(eager.vocabSize);
      expect(lazy.idLimit, name).toBe(eager.idLimit);
      expect(lazy.specialTokens, name).toEqual(eager.specialTokens);
      const vocabulary = eager.library.get_vocab(true);
      expect([...lazy.library.get_vocab(true)], name).toEqual([...vocabulary]);
      const mismatches: string[] = [];
      for (let id = 0; id < eager.idLimit + 2; id += 1) {
        const token = eager.library.id_to_token(id);
        if (lazy.idToToken(id) !== token) mismatches.push(`id ${id}`);
        if (token !== undefined && lazy.tokenToId(token) !== vocabulary.get(token)) mismatches.push(`token ${token}`);
      }
      expect(mismatches, name).toEqual([]);
      for (const text of texts) expect(lazy.encode(text), `${name}: ${text.slice(0, 40)}`).toEqual(eager.encode(text));
    }
  });

  it("names the missing or malformed file", async () => {
    const missing = join(work.path, "missing");
    mkdirSync(missing);
    const malformed = join(work.path, "malformed");
    mkdirSync(malformed);
    writeFileSync(join(malformed, "tokenizer.json"), "{ nope");
    const cases = [
      { name: "missing", directory: missing, expected: /no tokenizer.json.*save_pretrained/ },
      { name: "malformed", directory: malformed, expected: /tokenizer.json: not valid JSON/ },
    ];
    for (const testCase of cases) {
      const error = await loadTokenizer(testCase.directory).catch((caught: unknown) => caught);
      expect(TokenizerLoadError.isInstance(error), testCase.name).toBe(true);
      expect((error as Error).message, testCase.name).toMatch(testCase.expected);
    }
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { FIXTURE_TOKENIZER_NAMES, fixtureText, fixtureTokenizerDirectory, repositoryRoot, runPythonJson } from "@graft/testing";
import { describe, expect, it } from "vitest";
import { createFastEncoder } from "./fast-encoder.js";
import { loadTokenizer } from "./load-tokenizer.js";

/** Strings that exercise every branch: added tokens, byte fallback, long pieces, normalization. */
const TRICKY = [
  "",
  " ",
  "   ",
  "\n\n\n",
  "Hello, world!",
  "  leading and   inner   spaces\t\ttabs\n\nnewlines  ",
  "Привет, мир! Съешь же ещё этих мягких французских булок.",
  "Ёжик 🦔 ﬁ ligature, ẞ, İstanbul, ǅ",
  "中文测试，混合 English 和数字 12345。日本語のテキスト",
  "emoji 👩‍💻🚀 and accents: café, naïve, Ångström",
  "e\u0301 composed vs é precomposed, и\u0306 vs й",
  "numbers 3.14159 1,000,000 2026-11-22 0x7fc0 12345678901234567890",
  "<|begin_of_text|>special<|eot_id|> in text <s> </s> <unk> <|im_start|>user<|im_end|>",
  "<s><s></s>adjacent<|end_of_text|><|end_of_text|>",
  "don't I'LL we'Re THEY'VE it'S",
  "\u2581 already a metaspace \u2581\u2581word",
  "<0x41> literal byte token text",
  "\r\n windows \r\n\r\n lines \u000b\u000c \u00a0nbsp \u2028 sep",
  "\ufeffBOM and zero\u200bwidth joiner\u200d",
  "x".repeat(300),
  "─".repeat(3000),
  "ab".repeat(700),
  "1".repeat(100),
  "a\ud800b lone surrogate",
  `${"word ".repeat(200)}tail`,
];

function paragraphs(text: string): string[] {
  return text.split("\n\n").filter((paragraph) => paragraph.length > 0);
}

function corpusParagraphs(file: string, count: number): string[] {
  return paragraphs(gunzipSync(readFileSync(join(repositoryRoot(), "data", file))).toString("utf8")).slice(0, count);
}

describe("createFastEncoder", () => {
  const texts = [...TRICKY, ...paragraphs(fixtureText("ru-fortunes")), ...paragraphs(fixtureText("en-fortunes")), ...corpusParagraphs("ru-train.txt.gz", 150)];

  it.each(FIXTURE_TOKENIZER_NAMES.map((name) => ({ name })))(
    "gives ids identical to the library on $name (fixtures, real corpus, tricky strings)",
    async ({ name }) => {
      const tokenizer = await loadTokenizer(fixtureTokenizerDirectory(name), { fast: false });
      const fast = createFastEncoder(tokenizer);
      expect(fast.accelerated, fast.plan).toBe(true);
      for (const addSpecialTokens of [true, false]) {
        const mismatches = texts.filter(
          (text) => JSON.stringify(fast.encode(text, { addSpecialTokens })) !== JSON.stringify(tokenizer.encode(text, { addSpecialTokens })),
        );
        expect(
          mismatches.slice(0, 3).map((text) => text.slice(0, 80)),
          `${name} addSpecialTokens=${addSpecialTokens}`,
        ).toEqual([]);
      }
      // A second pass is served by the cache and must not change anything.
      expect(fast.cacheSize).toBeGreaterThan(100);
      const again = texts.slice(0, 200).filter((text) => JSON.stringify(fast.encode(text)) !== JSON.stringify(tokenizer.encode(text)));
      expect(again, name).toEqual([]);
    },
  );

  it.each(FIXTURE_TOKENIZER_NAMES.map((name) => ({ name })))("gives ids identical to Python tokenizers on $name", async ({ name }) => {
    const directory = fixtureTokenizerDirectory(name);
    const fast = createFastEncoder(await loadTokenizer(directory));
    // Python's json cannot carry a lone surrogate into Rust: those strings are compared with the library only.
    const pythonTexts = texts.filter((text) => !/[\ud800-\udfff]/u.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, "")));
    const reference = runPythonJson<{ with: number[][]; without: number[][] }>(
      `
import json, sys
from tokenizers import Tokenizer
tokenizer = Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")
texts = json.loads(sys.stdin.read())
print(json.dumps({"with": [e.ids for e in tokenizer.encode_batch(texts)], "without": [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]}))
`,
      { args: [directory], input: JSON.stringify(pythonTexts) },
    );
    const mismatches = pythonTexts.filter(
      (text, index) =>
        JSON.stringify(fast.encode(text)) !== JSON.stringify(reference.with[index]) ||
        JSON.stringify(fast.encode(text, { addSpecialTokens: false })) !== JSON.stringify(reference.without[index]),
    );
    expect(
      mismatches.slice(0, 3).map((text) => text.slice(0, 80)),
      name,
    ).toEqual([]);
  });

  it("chooses the expected plan per tokenizer family", async () => {
    const cases = [
      { name: "llama3", plan: "split+byte-level" },
      { name: "qwen2_5", plan: "split+byte-level" },
      { name: "llama2", plan: "words-before-\u2581" },
    ] as const;
    for (const { name, plan } of cases) {
      const fast = createFastEncoder(await loadTokenizer(fixtureTokenizerDirectory(name)));
      expect(fast.plan, name).toBe(plan);
    }
  });

  it("appends into a caller's array and accepts a bare library Tokenizer", async () => {
    const tokenizer = await loadTokenizer(fixtureTokenizerDirectory("llama2"));
    const fast = createFastEncoder(tokenizer.library);
    const output = [7, 7];
    const added = fast.encodeInto("Привет", output);
    expect(output).toEqual([7, 7, ...tokenizer.encode("Привет")]);
    expect(added).toBe(output.length - 2);
  });

  it("keeps ids identical under a tiny cache (evictions)", async () => {
    const tokenizer = await loadTokenizer(fixtureTokenizerDirectory("qwen2_5"), { fast: false });
    const fast = createFastEncoder(tokenizer, { cacheEntries: 8 });
    const sample = texts.slice(0, 300);
    const mismatches = sample.filter((text) => JSON.stringify(fast.encode(text)) !== JSON.stringify(tokenizer.encode(text)));
    expect(mismatches).toEqual([]);
    expect(fast.cacheSize).toBeLessThanOrEqual(16);
  });

  it("is what loadTokenizer uses by default, and `fast: false` turns it off", async () => {
    for (const name of FIXTURE_TOKENIZER_NAMES) {
      const fast = await loadTokenizer(fixtureTokenizerDirectory(name));
      const slow = await loadTokenizer(fixtureTokenizerDirectory(name), { fast: false });
      expect([fast.fast, slow.fast], name).toEqual([true, false]);
      const sample = [...texts.slice(0, 100), "─".repeat(10_000)];
      expect(
        sample.filter((text) => JSON.stringify(fast.encode(text)) !== JSON.stringify(slow.encode(text))),
        name,
      ).toEqual([]);
    }
  });
});

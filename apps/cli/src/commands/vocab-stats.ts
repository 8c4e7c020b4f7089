import { basename } from "node:path";
import { loadTokenizer } from "@graft/hf";
import { readTexts, tokenizerEfficiency, VocabularyInputError } from "@graft/vocab";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

export const vocabStatsCommand: CommandDefinition = {
  name: "vocab stats",
  summary: "tokenizer efficiency on text files: characters/token, bytes/token, tokens/word, byte-token share",
  usage: "--tokenizer DIR [--tokenizer DIR ...] --text FILE...",
  description:
    "One row per tokenizer and text file (use one file per language). Special tokens are not counted. Words are\n" +
    "whitespace-separated (for scripts without spaces, tokens/word is not meaningful). Byte tokens: <0xNN> fallback, or\n" +
    "byte-level tokens that are not whole UTF-8 characters.",
  options: {
    tokenizer: { type: "string", multiple: true, placeholder: "DIR", description: "tokenizer or model directory (repeat to compare)" },
    text: { type: "string", multiple: true, placeholder: "FILE", description: ".txt or .txt.gz file, read line by line (repeat per language)" },
  },
  examples: ["graft vocab stats --tokenizer models/llama-3-8b --tokenizer runs/ru-tokenizer --text data/ru-heldout.txt.gz --text data/en-heldout.txt.gz"],
  async run({ values }, context) {
    const options = new OptionReader("vocab stats", values);
    options.require("tokenizer", "text");
    const tokenizers = options.strings("tokenizer");
    const texts = options.strings("text");
    const rows = [];
    for (const directory of tokenizers) {
      const tokenizer = await loadTokenizer(directory);
      for (const file of texts) {
        const lines: string[] = [];
        for await (const line of readTexts([file])) if (line.trim().length > 0) lines.push(line);
        // Zeros for an empty file would read as a measurement.
        if (lines.length === 0)
          throw new VocabularyInputError({ path: file, problem: "empty-corpus", message: "has no text to measure; pass a non-empty .txt or .txt.gz file" });
        rows.push({ tokenizer: directory, text: file, ...tokenizerEfficiency(tokenizer, lines) });
      }
    }
    if (context.json) {
      for (const row of rows) context.stdout.write(`${JSON.stringify(row)}\n`);
      return 0;
    }
    const out = ["| tokenizer | text | chars/token | bytes/token | tokens/word | byte tokens | tokens |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"];
    for (const row of rows) {
      out.push(
        `| ${row.tokenizer} | ${basename(row.text)} | ${row.charactersPerToken.toFixed(3)} | ${row.bytesPerToken.toFixed(3)} | ${row.tokensPerWord.toFixed(3)} | ${(100 * row.byteTokenShare).toFixed(2)}% | ${row.tokens} |`,
      );
    }
    context.stdout.write(`${out.join("\n")}\n`);
    return 0;
  },
};

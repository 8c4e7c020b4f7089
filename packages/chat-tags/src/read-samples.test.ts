import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureText, fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createTagger } from "./create-tagger.js";
import { type ReadSamplesStats, readSamples } from "./read-samples.js";
import { inscpDocument } from "./sample-formats.js";
import { SampleInputError } from "./sample-input-error.js";
import { splitDocument } from "./split-document.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe("readSamples", () => {
  it("skips and counts bad lines with their line numbers, or stops on the first by option", async () => {
    const path = join(work.path, "input.jsonl");
    writeFileSync(path, ['{"text": "один"}', "not json", '{"other": 1}', "", '{"text": "два"}', "[1]"].join("\n"));
    const stats: ReadSamplesStats = { lines: 0, samples: 0, skipped: 0, firstSkipped: [] };
    const samples = await collect(readSamples(path, { format: "inscp-document" }, stats));
    expect(samples.map((sample) => sample.messages?.[1].content)).toEqual(["один", "два"]);
    expect(stats.skipped).toBe(3);
    expect(stats.firstSkipped.map((skip) => skip.line)).toEqual([2, 3, 6]);
    expect(stats.firstSkipped[1].reason).toMatch(/field "text" is missing/);
    const error = await collect(readSamples(path, { format: "inscp-document", onError: "stop" })).catch((caught: unknown) => caught);
    expect(SampleInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/input\.jsonl:2: not valid JSON/);
  });

  it("turns an instruction pair into two InsCP samples, or one exchange by option", async () => {
    const path = join(work.path, "pairs.jsonl");
    writeFileSync(path, '{"question": "Что такое LEP?", "answer": "Перенос эмбеддингов."}\n');
    const split = await collect(readSamples(path, { format: "inscp-pair" }));
    expect(split.map((sample) => sample.messages?.map((message) => message.content))).toEqual([
      ["", "Что такое LEP?"],
      ["", "Перенос эмбеддингов."],
    ]);
    const kept = await collect(readSamples(path, { format: "inscp-pair", keepExchange: true }));
    expect(kept[0].messages?.map((message) => message.content)).toEqual(["Что такое LEP?", "Перенос эмбеддингов."]);
  });
});

describe("long documents", () => {
  it("are split at paragraph and sentence boundaries into wrapped samples that each fit max length", async () => {
    const tagger = await createTagger({ modelDirectory: fixtureTokenizerDirectory("llama3"), maxLength: 128 });
    const document = fixtureText("ru-fortunes").split("\n\n").slice(0, 40).join("\n\n");
    const samples = await tagger.tag(inscpDocument(document));
    expect(samples.length).toBeGreaterThan(3);
    for (const sample of samples) {
      expect(sample.ids.length).toBeLessThanOrEqual(128);
      expect(sample.text.startsWith("<|begin_of_text|><|start_header_id|>user")).toBe(true);
      expect(sample.text.endsWith("<|eot_id|>")).toBe(true);
    }
    const rejoined = samples.map((sample) => sample.text.split("<|end_header_id|>\n\n")[2].replace(/<\|eot_id\|>$/, "")).join("\n\n");
    expect(rejoined.replace(/\s+/g, " ")).toBe(document.trim().replace(/\s+/g, " "));
  });

  it("refuses a sentence that cannot fit, naming the sentence", () => {
    const count = (text: string) => text.split(" ").length;
    expect(splitDocument("One two three. Four five six seven.", 4, count)).toEqual(["One two three.", "Four five six seven."]);
    expect(() => splitDocument(`Short one. ${"word ".repeat(50)}end.`, 10, count)).toThrow(/a sentence of 51 tokens \("word word/);
  });
});

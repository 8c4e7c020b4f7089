import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadTokenizer } from "@graft/hf";
import { fixtureText, fixtureTokenizerDirectory, repositoryRoot, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { buildCorpus } from "./build-corpus.js";
import { CorpusInputError } from "./corpus-input-error.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

// Distinct, clearly textual paragraphs (the fixture itself repeats some fortunes).
const paragraphs = [
  ...new Map(
    fixtureText("ru-fortunes")
      .split("\n\n")
      .filter((paragraph) => paragraph.trim().length >= 40 && !/^\s*[-=*_]{3,}/m.test(paragraph))
      .map((paragraph) => [paragraph.toLowerCase().replace(/\s+/gu, " ").trim(), paragraph] as const),
  ).values(),
].slice(0, 300);
const textFile = join(work.path, "ru.txt");
writeFileSync(textFile, [...paragraphs, paragraphs[0], "short", "12345 67890 !!!! ???? 12345 67890"].join("\n\n"));
const jsonlFile = join(work.path, "ru.jsonl");
writeFileSync(
  jsonlFile,
  [
    JSON.stringify({ text: "Первый документ из JSONL, достаточно длинный." }),
    "{not json",
    JSON.stringify({ body: "нет поля text" }),
    JSON.stringify({ text: "Второй документ из JSONL, тоже длинный." }),
  ].join("\n"),
);

/** Reads the shards with numpy, checks the manifest's hashes, and decodes the documents back. */
function readBack(directory: string, tokenizer: string): { documents: string[]; checks: string[]; datasetItems: number; labelTokens: number } {
  return runPythonJson(
    `
import hashlib, json, os, sys
import numpy as np
sys.path.insert(0, sys.argv[3])
from graft_trainer.shard_dataset import ShardDataset
from tokenizers import Tokenizer
directory = sys.argv[1]
manifest = json.load(open(os.path.join(directory, "manifest.json")))
tokenizer = Tokenizer.from_file(sys.argv[2] + "/tokenizer.json")
checks, documents, label_tokens = [], [], 0
for split in ("train", "valid"):
    current = []
    for shard in manifest["splits"][split]["shards"]:
        arrays = {}
        for part in ("tokens", "mask", "starts"):
            path = os.path.join(directory, shard["name"] + "." + part + ".npy")
            if hashlib.sha256(open(path, "rb").read()).hexdigest() != shard["sha256"][part]:
                checks.append("sha256 " + path)
            arrays[part] = np.load(path, mmap_mode="r")
        if arrays["tokens"].dtype != np.uint32 or arrays["mask"].dtype != np.uint8:
            checks.append("dtype " + shard["name"])
        if arrays["tokens"].shape != (shard["sequences"], manifest["seq_len"]):
            checks.append("shape " + shard["name"])
        label_tokens += int(arrays["mask"].sum())
        for tokens, mask, starts in zip(arrays["tokens"], arrays["mask"], arrays["starts"]):
            for token, label, start in zip(tokens.tolist(), mask.tolist(), starts.tolist()):
                if start == 1 and current:
                    documents.append(tokenizer.decode(current, skip_special_tokens=True)); current = []
                if label == 1 or start == 1 or current:
                    if label == 1: current.append(token)
    if current:
        documents.append(tokenizer.decode(current, skip_special_tokens=True))
dataset = ShardDataset(directory, "train", reset_positions=True)
item = dataset[0]
print(json.dumps({"documents": documents, "checks": checks, "datasetItems": len(dataset), "labelTokens": label_tokens}))
`,
    { args: [directory, tokenizer, join(repositoryRoot(), "packages", "train-bridge", "python")] },
  );
}

describe("buildCorpus", () => {
  it("plain: numpy reads every shard (hashes match), the trainer's dataset reads them, and the token stream decodes back to the kept documents", async () => {
    const out = join(work.path, "plain");
    const tokenizer = fixtureTokenizerDirectory("llama3");
    const { manifest, stats } = await buildCorpus({
      inputs: [textFile, jsonlFile],
      tokenizer,
      sequenceLength: 64,
      out,
      validFraction: 0.1,
      shardTokens: 64 * 50,
    });
    expect(stats.total).toBe(paragraphs.length + 3 + 2);
    expect(stats.dropped_duplicate).toBe(1);
    expect(stats.dropped_too_short).toBe(1);
    expect(stats.dropped_not_text).toBe(1);
    expect(stats.malformed_json).toBe(1);
    expect(stats.missing_field).toBe(1);
    expect(stats.malformed_json_first_lines).toEqual([`${jsonlFile}:2`]);
    expect(stats.forwarded).toBe(paragraphs.length + 2);
    const splits = manifest.splits as Record<string, { sequences: number; shards: unknown[] }>;
    expect(splits.train.shards.length).toBeGreaterThan(1);
    expect(splits.valid.sequences).toBeGreaterThan(0);
    const back = readBack(out, tokenizer);
    expect(back.checks).toEqual([]);
    expect(back.datasetItems).toBe(splits.train.sequences);
    const kept = [
      ...paragraphs.map((paragraph) =>
        paragraph
          .normalize("NFC")
          .replace(/[ \t]+$/gmu, "")
          .trim(),
      ),
      "Первый документ из JSONL, достаточно длинный.",
      "Второй документ из JSONL, тоже длинный.",
    ];
    expect([...back.documents].sort()).toEqual([...kept].sort());
    expect(JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).tokens).toBe(stats.tokens);
  });

  it("inscp-document: every document is wrapped in the chat template, masks cover the labels", async () => {
    const out = join(work.path, "inscp");
    const tokenizerDirectory = fixtureTokenizerDirectory("llama3");
    const { manifest } = await buildCorpus({
      inputs: [jsonlFile],
      tokenizer: tokenizerDirectory,
      sequenceLength: 128,
      out,
      format: "inscp-document",
      validFraction: 0,
    });
    expect(manifest.sample_format).toBe("inscp-document");
    const tokenizer = await loadTokenizer(tokenizerDirectory);
    const tokens = runPythonJson<number[]>(`import json, sys, numpy as np; print(json.dumps(np.load(sys.argv[1]).reshape(-1).tolist()))`, {
      args: [join(out, "train-00000.tokens.npy")],
    });
    const text = tokenizer.decode(tokens);
    expect(
      text.startsWith(
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nПервый документ из JSONL",
      ),
    ).toBe(true);
    expect(text).toContain("тоже длинный.<|eot_id|>");
  });

  it("fails with a typed error on a missing input, on an unknown format and when nothing survives, leaving no output", async () => {
    await expect(
      buildCorpus({
        inputs: [join(work.path, "missing.txt")],
        tokenizer: fixtureTokenizerDirectory("llama3"),
        sequenceLength: 16,
        out: join(work.path, "bad-1"),
      }),
    ).rejects.toBeInstanceOf(CorpusInputError);
    writeFileSync(join(work.path, "data.csv"), "a,b");
    await expect(
      buildCorpus({ inputs: [join(work.path, "data.csv")], tokenizer: fixtureTokenizerDirectory("llama3"), sequenceLength: 16, out: join(work.path, "bad-2") }),
    ).rejects.toThrow(/unknown format/);
    writeFileSync(join(work.path, "tiny.txt"), "ok\n\nno");
    await expect(
      buildCorpus({ inputs: [join(work.path, "tiny.txt")], tokenizer: fixtureTokenizerDirectory("llama3"), sequenceLength: 16, out: join(work.path, "bad-3") }),
    ).rejects.toThrow(/no document survived \(2 read\)/);
    expect(existsSync(join(work.path, "bad-3"))).toBe(false);
  });

  it("--lang keeps the target language: English documents are dropped as `language`", async () => {
    const mixed = join(work.path, "mixed.jsonl");
    writeFileSync(
      mixed,
      [
        JSON.stringify({ text: "Сегодня утром мы пошли в парк и долго гуляли вдоль реки." }),
        JSON.stringify({ text: "This morning we went to the park and walked along the river." }),
      ].join("\n"),
    );
    const { stats } = await buildCorpus({
      inputs: [mixed],
      tokenizer: fixtureTokenizerDirectory("llama2"),
      sequenceLength: 32,
      out: join(work.path, "lang"),
      languages: ["ru"],
      validFraction: 0,
    });
    expect(stats.forwarded).toBe(1);
    expect(stats.dropped_language).toBe(1);
  });
});

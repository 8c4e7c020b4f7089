import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureTokenizerDirectory, repositoryRoot, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

describe("graft corpus build", () => {
  it("packs the packaged Russian held-out text into shards with a manifest and stats", async () => {
    const out = join(work.path, "shards");
    const result = await graft(
      "corpus",
      "build",
      join(repositoryRoot(), "data", "ru-heldout.txt.gz"),
      "--tokenizer",
      fixtureTokenizerDirectory("qwen2_5"),
      "--seq-len",
      "256",
      "--out",
      out,
      "--valid-fraction",
      "0.05",
    );
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/wrote .*: train \d+ sequences, valid \d+ sequences of 256 tokens/);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.format).toBe("graft-shards");
    expect(manifest.splits.train.sequences).toBeGreaterThan(10);
    expect(existsSync(join(out, "train-00000.tokens.npy"))).toBe(true);
  });

  it("reads a zstd JSONL and a Parquet file with --dedup minhash on worker threads, printing JSON events", async () => {
    const out = join(work.path, "json");
    const inputs = ["ru-fortunes-60.jsonl.zst", "ru-fortunes-60.parquet"].map((name) => join(repositoryRoot(), "fixtures", "text", name));
    const result = await graft(
      "corpus",
      "build",
      ...inputs,
      "--tokenizer",
      fixtureTokenizerDirectory("llama2"),
      "--seq-len",
      "64",
      "--out",
      out,
      "--dedup",
      "minhash",
      "--workers",
      "2",
      "--valid-fraction",
      "0",
      "--json",
    );
    expect(result.code).toBe(0);
    const events = result.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.some((event) => event.type === "progress" && event.fraction === 1)).toBe(true);
    const done = events.at(-1);
    expect(done.type).toBe("done");
    expect(done.stats.total).toBe(120);
    expect(done.stats.dropped_duplicate).toBe(60);
  });

  it("refuses an unknown --dedup and a malformed --pair-fields", async () => {
    const base = ["corpus", "build", "x.txt", "--tokenizer", "t", "--seq-len", "8", "--out", join(work.path, "never")];
    const dedup = await graft(...base, "--dedup", "fuzzy");
    expect(dedup.code).toBe(2);
    expect(dedup.err).toMatch(/UsageError: --dedup must be one of exact, minhash, none, got "fuzzy"; see graft corpus build --help/);
    const pairFields = await graft(...base, "--pair-fields", "question");
    expect(pairFields.code).toBe(2);
    expect(pairFields.err).toMatch(/UsageError: --pair-fields must be two field names, QUESTION,ANSWER \(e\.g\. instruction,output\), got "question"/);
  });

  it("graft corpus merge: two ranks' builds become one directory the trainer's dataset reads", async () => {
    const input = join(repositoryRoot(), "data", "ru-heldout.txt.gz");
    const common = ["--tokenizer", fixtureTokenizerDirectory("qwen2_5"), "--seq-len", "128", "--world-size", "2", "--workers", "0", "--max-documents", "400"];
    for (const rank of ["0", "1"])
      expect((await graft("corpus", "build", input, ...common, "--rank", rank, "--out", join(work.path, `rank-${rank}`))).code).toBe(0);
    const merged = join(work.path, "merged");
    const result = await graft("corpus", "merge", join(work.path, "rank-1"), join(work.path, "rank-0"), "--out", merged);
    expect(result.err).toBe("");
    expect(result.out).toMatch(/merged 2 ranks into .*: train \d+ sequences/);
    const manifest = JSON.parse(readFileSync(join(merged, "manifest.json"), "utf8"));
    const ranks = [0, 1].map((rank) => JSON.parse(readFileSync(join(work.path, `rank-${rank}`, "manifest.json"), "utf8")));
    expect(manifest.splits.train.sequences).toBe(ranks[0].splits.train.sequences + ranks[1].splits.train.sequences);
    expect(manifest.splits.train.shards[0].name).toBe("train-r0-00000");
    expect(manifest.rank).toBeUndefined();
    const stats = JSON.parse(readFileSync(join(merged, "stats.json"), "utf8"));
    const rankTotals = [0, 1].map((rank) => JSON.parse(readFileSync(join(work.path, `rank-${rank}`, "stats.json"), "utf8")).total);
    expect(stats.total).toBe(rankTotals[0] + rankTotals[1]);
    const items = runPythonJson<number>(
      "import json, sys\nsys.path.insert(0, sys.argv[2])\nfrom graft_trainer.shard_dataset import ShardDataset\nprint(json.dumps(len(ShardDataset(sys.argv[1], 'train', reset_positions=True))))",
      { args: [merged, join(repositoryRoot(), "packages", "train-bridge", "python")] },
    );
    expect(items).toBe(manifest.splits.train.sequences);
    const again = await graft("corpus", "merge", join(work.path, "rank-0"), "--out", join(work.path, "half"));
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/rank\(s\) 1 of world size 2 are missing/);
  });

  it("names what is missing", async () => {
    const result = await graft("corpus", "build", "--seq-len", "8");
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/UsageError: missing --tokenizer, --out, INPUT; see graft corpus build --help/);
  });
});

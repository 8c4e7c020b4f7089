import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureTokenizerDirectory, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
afterAll(() => work.remove());


describe("graft corpus build", () => {
  it("packs the packaged Russian held-out text into shards with a manifest and stats", async () => {
    const out = join(work.path, "shards");
    const result = await graft("corpus", "build", join(repositoryRoot(), "data", "ru-heldout.txt.gz"), "--tokenizer", fixtureTokenizerDirectory("qwen2_5"), "--seq-len", "256", "--out", out, "--valid-fraction", "0.05");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/wrote .*: train \d+ sequences, valid \d+ sequences of 256 tokens/);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.format).toBe("graft-shards");
    expect(manifest.splits.train.sequences).toBeGreaterThan(10);
    expect(existsSync(join(out, "train-00000.tokens.npy"))).toBe(true);
  });

  it("names what is missing", async () => {
    const result = await graft("corpus", "build", "--seq-len", "8");
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/missing --tokenizer, --out, INPUT/);
  });
});

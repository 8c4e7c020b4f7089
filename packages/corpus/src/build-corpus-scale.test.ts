// buildCorpus at scale: compressed and columnar inputs, worker threads, near-dedup, resume, ranks.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureText, fixtureTokenizerDirectory, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { buildCorpus, partialDirectory, type BuildCorpusOptions } from "./build-corpus.js";
import type { CorpusEvent } from "./corpus-progress.js";
import { CorpusResumeError } from "./corpus-resume-error.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

const tokenizer = fixtureTokenizerDirectory("llama3");
const fixtures = join(repositoryRoot(), "fixtures", "text");
const distinct = [...new Map(fixtureText("ru-fortunes").split("\n\n").filter((paragraph) => paragraph.trim().length >= 40 && !/^\s*[-=*_]{3,}/m.test(paragraph)).map((paragraph) => [paragraph.toLowerCase().replace(/\s+/gu, " ").trim(), paragraph.trim()] as const)).values()];
const paragraphs = distinct.slice(0, 400);

/** Every file of a build directory, by name (the bytes must match between builds). */
function filesOf(directory: string): Record<string, string> {
  return Object.fromEntries(readdirSync(directory).sort().map((name) => [name, readFileSync(join(directory, name)).toString("base64")]));
}

function writeParagraphs(name: string, texts: readonly string[]): string {
  const path = join(work.path, name);
  writeFileSync(path, texts.join("\n\n"));
  return path;
}

describe("buildCorpus inputs", () => {
  it("reads .jsonl.zst and .parquet (row groups) into the same token stream, and globs expand to both", async () => {
    const options = { tokenizer, seqLen: 64, validFraction: 0, workers: 0 } as const;
    const zst = await buildCorpus({ ...options, inputs: [join(fixtures, "ru-fortunes-60.jsonl.zst")], out: join(work.path, "zst") });
    const parquet = await buildCorpus({ ...options, inputs: [join(fixtures, "ru-fortunes-60.parquet")], out: join(work.path, "parquet") });
    expect(zst.stats.total).toBe(60);
    expect(parquet.stats.total).toBe(60);
    expect(parquet.stats.tokens).toBe(zst.stats.tokens);
    expect(readFileSync(join(work.path, "parquet", "train-00000.tokens.npy")).equals(readFileSync(join(work.path, "zst", "train-00000.tokens.npy")))).toBe(true);
    const globbed = await buildCorpus({ ...options, inputs: [join(fixtures, "ru-fortunes-60.*")], out: join(work.path, "glob") });
    expect(globbed.stats.total).toBe(120);
    expect(globbed.stats.dropped_duplicate).toBe(60);
  });
});

describe("buildCorpus workers", () => {
  it("two worker threads give byte-identical shards to the in-process run", async () => {
    const input = writeParagraphs("workers.txt", paragraphs);
    const options = { inputs: [input], tokenizer, seqLen: 64, validFraction: 0.1, shardTokens: 64 * 40 } as const;
    await buildCorpus({ ...options, out: join(work.path, "in-process"), workers: 0 });
    await buildCorpus({ ...options, out: join(work.path, "threads"), workers: 2 });
    const inProcess = filesOf(join(work.path, "in-process"));
    expect(Object.keys(inProcess).length).toBeGreaterThan(6);
    expect(filesOf(join(work.path, "threads"))).toEqual(inProcess);
  });
});

describe("buildCorpus near-dedup", () => {
  it("minhash drops near-duplicates (the last word changed) that exact dedup keeps, and no distinct document", async () => {
    const long = distinct.filter((paragraph) => paragraph.split(/\s+/).length >= 20).slice(0, 60);
    expect(long.length).toBeGreaterThanOrEqual(40);
    const variants = long.map((paragraph) => `${paragraph.replace(/\s*\S+$/u, "")} конец.`);
    const input = writeParagraphs("near.txt", [...long, ...variants]);
    const options = { tokenizer, seqLen: 64, validFraction: 0, workers: 0 } as const;
    const exact = await buildCorpus({ ...options, inputs: [input], out: join(work.path, "exact"), dedup: "exact" });
    expect(exact.stats.forwarded).toBe(long.length * 2);
    // The originals alone: what minhash keeps of them (fortunes have a few genuine near-duplicates of their own).
    const originals = await buildCorpus({ ...options, inputs: [writeParagraphs("originals.txt", long)], out: join(work.path, "originals"), dedup: "minhash" });
    expect(originals.stats.forwarded).toBeGreaterThanOrEqual(long.length - 3);
    const near = await buildCorpus({ ...options, inputs: [input], out: join(work.path, "minhash"), dedup: "minhash" });
    // Jaccard of such a pair is at least (n - 5) / (n - 3) >= 0.88 for n >= 20 words: LSH finds nearly all.
    expect(near.stats.forwarded).toBeLessThanOrEqual(originals.stats.forwarded + Math.ceil(long.length * 0.05));
    expect(near.stats.forwarded).toBeGreaterThanOrEqual(originals.stats.forwarded);
  });
});

describe("buildCorpus resume", () => {
  it("an interrupted build resumes from its last checkpoint to the same bytes; changed settings are refused", async () => {
    // Three read batches (512 documents each): checkpoints are taken between batches.
    const input = writeParagraphs("resume.txt", distinct.slice(0, 1400));
    const options: BuildCorpusOptions = { inputs: [input], tokenizer, seqLen: 64, validFraction: 0.1, shardTokens: 64 * 64, workers: 1 };
    await buildCorpus({ ...options, out: join(work.path, "whole") });

    const out = join(work.path, "resumed");
    const interrupt = (event: CorpusEvent) => {
      if (event.type === "shard" && existsSync(join(partialDirectory(out), "checkpoint.json"))) throw new Error("interrupted");
    };
    await expect(buildCorpus({ ...options, out, onEvent: interrupt })).rejects.toThrow("interrupted");
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(partialDirectory(out), "checkpoint.json"))).toBe(true);

    await expect(buildCorpus({ ...options, seqLen: 32, out })).rejects.toBeInstanceOf(CorpusResumeError);

    const events: CorpusEvent[] = [];
    await buildCorpus({ ...options, out, onEvent: (event) => events.push(event) });
    const resume = events.find((event) => event.type === "resume");
    expect(resume).toMatchObject({ type: "resume" });
    expect((resume as { documents: number }).documents).toBeGreaterThan(0);
    expect((resume as { documents: number }).documents).toBeLessThan(1400);
    expect(existsSync(partialDirectory(out))).toBe(false);
    expect(filesOf(out)).toEqual(filesOf(join(work.path, "whole")));
  });
});

describe("buildCorpus ranks", () => {
  it("ranks split the inputs; cross-rank dedup keeps a document repeated across ranks once", async () => {
    const first = writeParagraphs("rank-a.txt", paragraphs.slice(0, 100));
    const second = writeParagraphs("rank-b.txt", [...paragraphs.slice(100, 200), paragraphs[5]!, paragraphs[6]!]);
    const options = { inputs: [first, second], tokenizer, seqLen: 64, validFraction: 0, workers: 0, worldSize: 2 } as const;
    const plain = await Promise.all([0, 1].map((rank) => buildCorpus({ ...options, rank, out: join(work.path, `rank-${rank}`) })));
    expect(plain.map((build) => build.stats.total)).toEqual([100, 102]);
    expect(plain[0]!.manifest).toMatchObject({ rank: 0, world_size: 2 });
    expect(plain[1]!.stats.forwarded).toBe(102); // a rank alone cannot see the other's documents

    const signatures = await Promise.all([0, 1].map((rank) => buildCorpus({ ...options, rank, dedupPass: "signatures", out: join(work.path, `signatures-${rank}`) })));
    expect(signatures.map((pass) => pass.manifest.format)).toEqual(["graft-dedup-signatures", "graft-dedup-signatures"]);
    const dedupSignatures = [0, 1].map((rank) => join(work.path, `signatures-${rank}`));
    const deduped = await Promise.all([0, 1].map((rank) => buildCorpus({ ...options, rank, dedupSignatures, out: join(work.path, `deduped-${rank}`) })));
    expect(deduped.map((build) => build.stats.forwarded)).toEqual([100, 100]);
    expect(deduped[1]!.stats.dropped_duplicate).toBe(2);
  });
});

// buildCorpus at scale: compressed and columnar inputs, worker threads, near-dedup, resume, ranks.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureText, fixtureTokenizerDirectory, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { type BuildCorpusOptions, buildCorpus, partialDirectory } from "./build-corpus.js";
import type { CorpusEvent } from "./corpus-progress.js";
import { CorpusResumeError } from "./corpus-resume-error.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

const tokenizer = fixtureTokenizerDirectory("llama3");
const fixtures = join(repositoryRoot(), "fixtures", "text");
const distinct = [
  ...new Map(
    fixtureText("ru-fortunes")
      .split("\n\n")
      .filter((paragraph) => paragraph.trim().length >= 40 && !/^\s*[-=*_]{3,}/m.test(paragraph))
      .map((paragraph) => [paragraph.toLowerCase().replace(/\s+/gu, " ").trim(), paragraph.trim()] as const),
  ).values(),
];
const paragraphs = distinct.slice(0, 400);

/** Every file of a build directory, by name (the bytes must match between builds). */
function filesOf(directory: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(directory)
      .sort()
      .map((name) => [name, readFileSync(join(directory, name)).toString("base64")]),
  );
}

function writeParagraphs(name: string, texts: readonly string[]): string {
  const path = join(work.path, name);
  writeFileSync(path, texts.join("\n\n"));
  return path;
}

describe("buildCorpus inputs", () => {
  it("reads .jsonl.zst and .parquet (row groups) into the same token stream, and globs expand to both", async () => {
    const options = { tokenizer, sequenceLength: 64, validFraction: 0, workers: 0 } as const;
    const zst = await buildCorpus({ ...options, inputs: [join(fixtures, "ru-fortunes-60.jsonl.zst")], out: join(work.path, "zst") });
    const parquet = await buildCorpus({ ...options, inputs: [join(fixtures, "ru-fortunes-60.parquet")], out: join(work.path, "parquet") });
    expect(zst.stats.total).toBe(60);
    expect(parquet.stats.total).toBe(60);
    expect(parquet.stats.tokens).toBe(zst.stats.tokens);
    expect(readFileSync(join(work.path, "parquet", "train-00000.tokens.npy")).equals(readFileSync(join(work.path, "zst", "train-00000.tokens.npy")))).toBe(
      true,
    );
    const globbed = await buildCorpus({ ...options, inputs: [join(fixtures, "ru-fortunes-60.*")], out: join(work.path, "glob") });
    expect(globbed.stats.total).toBe(120);
    expect(globbed.stats.dropped_duplicate).toBe(60);
  });
});

describe("buildCorpus bad input", () => {
  it("invalid UTF-8 is replaced and counted with its line; an empty input is a typed error", async () => {
    const broken = join(work.path, "broken.txt");
    writeFileSync(
      broken,
      Buffer.concat([
        Buffer.from(`${paragraphs[0]}\n\n`),
        Buffer.from("Испорченная строка: "),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(" и дальше нормальный текст документа.\n"),
      ]),
    );
    const { stats } = await buildCorpus({ inputs: [broken], tokenizer, sequenceLength: 64, validFraction: 0, workers: 0, out: join(work.path, "broken") });
    expect(stats.invalid_utf8).toBe(1);
    expect(stats.invalid_utf8_first_lines).toEqual([`${broken}:${paragraphs[0]!.split("\n").length + 2}`]);
    expect(stats.forwarded).toBe(2);
    const empty = join(work.path, "empty.jsonl");
    writeFileSync(empty, "");
    await expect(buildCorpus({ inputs: [empty], tokenizer, sequenceLength: 64, workers: 0, out: join(work.path, "empty") })).rejects.toThrow(
      /no document survived \(0 read\)/,
    );
  });
});

describe("buildCorpus split", () => {
  it("the same file in two directories splits into the same train/valid shards", async () => {
    const shards: Record<string, string>[] = [];
    for (const directory of ["one", "two/deeper"]) {
      const path = join(work.path, directory, "same.txt");
      mkdirSync(join(work.path, directory), { recursive: true });
      writeFileSync(path, paragraphs.slice(0, 200).join("\n\n"));
      const out = join(work.path, `split-${directory.replace("/", "-")}`);
      await buildCorpus({ inputs: [path], tokenizer, sequenceLength: 64, validFraction: 0.3, workers: 0, out });
      shards.push(filesOf(out));
    }
    expect(Object.keys(shards[0]!)).toContain("valid-00000.tokens.npy");
    expect(shards[1]).toEqual(shards[0]);
  });
});

describe("buildCorpus workers", () => {
  it("two worker threads give byte-identical shards to the in-process run", async () => {
    const input = writeParagraphs("workers.txt", paragraphs);
    const options = { inputs: [input], tokenizer, sequenceLength: 64, validFraction: 0.1, shardTokens: 64 * 40 } as const;
    await buildCorpus({ ...options, out: join(work.path, "in-process"), workers: 0 });
    await buildCorpus({ ...options, out: join(work.path, "threads"), workers: 2 });
    const inProcess = filesOf(join(work.path, "in-process"));
    expect(Object.keys(inProcess).length).toBeGreaterThan(6);
    expect(filesOf(join(work.path, "threads"))).toEqual(inProcess);
  });
});

describe("buildCorpus near-dedup", () => {
  it("minhash: recall >= 95% on planted near-duplicates (Jaccard >= 0.89), under 1% of distinct documents dropped", async () => {
    const documents = distinct.slice(0, 1500);
    const long = documents.filter((paragraph) => paragraph.split(/\s+/).length >= 12).slice(0, 200);
    expect(long.length).toBe(200);
    // A word appended: the n >= 12 words' 5-word shingles gain one, Jaccard = (n - 4) / (n - 3) >= 0.89.
    const planted = long.map((paragraph) => `${paragraph} конец`);
    const options = { tokenizer, sequenceLength: 64, validFraction: 0, workers: 0, dedup: "minhash" } as const;
    const alone = await buildCorpus({ ...options, inputs: [writeParagraphs("distinct.txt", documents)], out: join(work.path, "distinct") });
    expect((alone.stats.dropped_near_duplicate as number | undefined) ?? 0).toBeLessThan(documents.length * 0.01);
    const exact = await buildCorpus({
      ...options,
      dedup: "exact",
      inputs: [writeParagraphs("planted.txt", [...documents, ...planted])],
      out: join(work.path, "exact"),
    });
    expect(exact.stats.forwarded).toBe(documents.length + planted.length); // exact dedup cannot see them
    const near = await buildCorpus({ ...options, inputs: [join(work.path, "planted.txt")], out: join(work.path, "minhash") });
    const plantedKept = near.stats.forwarded - alone.stats.forwarded;
    expect(plantedKept).toBeGreaterThanOrEqual(0);
    expect(1 - plantedKept / planted.length).toBeGreaterThanOrEqual(0.95);
  });
});

describe("buildCorpus resume", () => {
  // Every dedup mode: `none` keeps an empty dedup log, whose replay once failed on every rerun.
  for (const dedup of ["exact", "minhash", "none"] as const) {
    it(`an interrupted build resumes from its last checkpoint to the same bytes; changed settings are refused (dedup ${dedup})`, async () => {
      // Three read batches (512 documents each): checkpoints are taken between batches.
      const input = writeParagraphs(`resume-${dedup}.txt`, distinct.slice(0, 1400));
      const options: Omit<BuildCorpusOptions, "out"> = {
        inputs: [input],
        tokenizer,
        sequenceLength: 64,
        validFraction: 0.1,
        shardTokens: 64 * 64,
        workers: 1,
        dedup,
      };
      await buildCorpus({ ...options, out: join(work.path, `whole-${dedup}`) });

      const out = join(work.path, `resumed-${dedup}`);
      const interrupt = (event: CorpusEvent) => {
        if (event.type === "shard" && existsSync(join(partialDirectory(out), "checkpoint.json"))) throw new Error("interrupted");
      };
      await expect(buildCorpus({ ...options, out, onEvent: interrupt })).rejects.toThrow("interrupted");
      expect(existsSync(out)).toBe(false);
      expect(existsSync(join(partialDirectory(out), "checkpoint.json"))).toBe(true);

      await expect(buildCorpus({ ...options, sequenceLength: 32, out })).rejects.toBeInstanceOf(CorpusResumeError);
      await expect(buildCorpus({ ...options, tokenizer: fixtureTokenizerDirectory("qwen2_5"), out })).rejects.toThrow(/tokenizer \(sha256 of tokenizer.json\)/);

      const events: CorpusEvent[] = [];
      await buildCorpus({ ...options, out, onEvent: (event) => events.push(event) });
      const resume = events.find((event) => event.type === "resume");
      expect(resume).toMatchObject({ type: "resume" });
      expect((resume as { documents: number }).documents).toBeGreaterThan(0);
      expect((resume as { documents: number }).documents).toBeLessThan(1400);
      expect(existsSync(partialDirectory(out))).toBe(false);
      expect(filesOf(out)).toEqual(filesOf(join(work.path, `whole-${dedup}`)));
    });
  }
});

describe("buildCorpus killed", () => {
  it("a build SIGKILLed after a checkpoint resumes on rerun to bytes identical to an uninterrupted build", async () => {
    const input = writeParagraphs("killed.txt", distinct.slice(0, 2500));
    const options: Omit<BuildCorpusOptions, "out"> = { inputs: [input], tokenizer, sequenceLength: 64, validFraction: 0.1, shardTokens: 64 * 64, workers: 1 };
    await buildCorpus({ ...options, out: join(work.path, "killed-whole") });
    const out = join(work.path, "killed");
    const script = join(work.path, "build.mts");
    // A separate process runs the same build, slowed by a step so that the kill lands mid-run.
    writeFileSync(
      script,
      `import { buildCorpus } from ${JSON.stringify(join(repositoryRoot(), "packages", "corpus", "src", "index.ts"))};
const options = JSON.parse(process.argv[2]);
await buildCorpus({ ...options, steps: [async (document) => { await new Promise((resolve) => setTimeout(resolve, 2)); return document; }] });`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify({ ...options, out })], { cwd: repositoryRoot(), stdio: "ignore" });
    const checkpoint = join(partialDirectory(out), "checkpoint.json");
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    for (let waited = 0; !existsSync(checkpoint) && waited < 120_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(checkpoint)).toBe(true);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(existsSync(out)).toBe(false);
    const events: CorpusEvent[] = [];
    await buildCorpus({ ...options, out, steps: [async (document) => document], onEvent: (event) => events.push(event) });
    expect(events.some((event) => event.type === "resume")).toBe(true);
    expect(filesOf(out)).toEqual(filesOf(join(work.path, "killed-whole")));
  });
});

describe("buildCorpus ranks", () => {
  it("ranks split the inputs; cross-rank dedup keeps a document repeated across ranks once", async () => {
    const first = writeParagraphs("rank-a.txt", paragraphs.slice(0, 100));
    const second = writeParagraphs("rank-b.txt", [...paragraphs.slice(100, 200), paragraphs[5]!, paragraphs[6]!]);
    const options = { inputs: [first, second], tokenizer, sequenceLength: 64, validFraction: 0, workers: 0, worldSize: 2 } as const;
    const plain = await Promise.all([0, 1].map((rank) => buildCorpus({ ...options, rank, out: join(work.path, `rank-${rank}`) })));
    expect(plain.map((build) => build.stats.total)).toEqual([100, 102]);
    expect(plain[0]!.manifest).toMatchObject({ rank: 0, world_size: 2 });
    expect(plain[1]!.stats.forwarded).toBe(102); // a rank alone cannot see the other's documents

    const signatures = await Promise.all(
      [0, 1].map((rank) => buildCorpus({ ...options, rank, dedupPass: "signatures", out: join(work.path, `signatures-${rank}`) })),
    );
    expect(signatures.map((pass) => pass.manifest.format)).toEqual(["graft-dedup-signatures", "graft-dedup-signatures"]);
    const dedupSignatures = [0, 1].map((rank) => join(work.path, `signatures-${rank}`));
    const deduped = await Promise.all([0, 1].map((rank) => buildCorpus({ ...options, rank, dedupSignatures, out: join(work.path, `deduped-${rank}`) })));
    expect(deduped.map((build) => build.stats.forwarded)).toEqual([100, 100]);
    expect(deduped[1]!.stats.dropped_duplicate).toBe(2);
  });
});

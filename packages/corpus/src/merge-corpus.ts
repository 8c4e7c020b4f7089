import { existsSync } from "node:fs";
import { copyFile, link, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { atomicOutputDirectory } from "@graft/hf";
import { type CorpusStats, MANIFEST_FILE, STATS_FILE } from "./build-corpus.js";
import { CorpusInputError } from "./corpus-input-error.js";
import type { ShardInfo, SplitSummary } from "./shard-writer.js";

export interface MergeCorpusOptions {
  /** The output directories of every rank of one `worldSize` build (any order). */
  inputs: readonly string[];
  out: string;
  /** Hard-link the shard files (default; falls back to copying across file systems) or always copy. */
  copy?: boolean;
  overwrite?: boolean;
}

interface RankManifest {
  format: string;
  version: number;
  seq_len: number;
  tokenizer: { sha256: string };
  sample_format: string;
  splits: Record<"train" | "valid", SplitSummary>;
  rank?: number;
  world_size?: number;
  [key: string]: unknown;
}

/** First `file:line`s kept per problem kind when stats are merged (as a build keeps them). */
const PROBLEM_LINES_KEPT = 10;
const PART_FILES = ["tokens", "mask", "starts"] as const;

async function readRank(directory: string): Promise<{ manifest: RankManifest; stats: CorpusStats }> {
  const manifestPath = join(directory, MANIFEST_FILE);
  if (!existsSync(manifestPath))
    throw new CorpusInputError({
      path: directory,
      message: `no ${MANIFEST_FILE}: pass the finished output directories of graft corpus build --rank R --world-size W`,
    });
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as RankManifest;
  if (manifest.format !== "graft-shards")
    throw new CorpusInputError({
      path: manifestPath,
      message: `format ${manifest.format} is not graft-shards (signature-pass outputs are not merged: pass them to --dedup-signatures)`,
    });
  const stats = existsSync(join(directory, STATS_FILE))
    ? (JSON.parse(await readFile(join(directory, STATS_FILE), "utf8")) as CorpusStats)
    : ({ total: 0, forwarded: 0, bytes: 0, tokens: 0 } as CorpusStats);
  return { manifest, stats };
}

async function linkOrCopy(from: string, to: string, copy: boolean): Promise<void> {
  if (!copy) {
    try {
      await link(from, to);
      return;
    } catch {
      // Another file system (EXDEV) or no hard links: copy.
    }
  }
  await copyFile(from, to);
}

/**
 * Combines the outputs of `graft corpus build --rank R --world-size W` (every rank, once) into one
 * shard directory the trainer reads: shards renamed `<split>-r<rank>-<n>` (hard-linked, or copied),
 * one manifest (counts summed, per-shard sha256 kept) and summed stats. The ranks must share the
 * tokenizer, seq-len and sample format.
 */
export async function mergeCorpus(options: MergeCorpusOptions): Promise<{ manifest: Record<string, unknown>; stats: CorpusStats }> {
  if (options.inputs.length === 0) throw new CorpusInputError({ path: options.out, message: "no rank directories to merge" });
  const ranks = await Promise.all(options.inputs.map(async (directory) => ({ directory: resolve(directory), ...(await readRank(directory)) })));
  const first = ranks[0]!.manifest;
  const worldSize = first.world_size ?? 1;
  for (const { directory, manifest } of ranks) {
    for (const [key, value, expected] of [
      ["tokenizer sha256", manifest.tokenizer.sha256, first.tokenizer.sha256],
      ["seq_len", manifest.seq_len, first.seq_len],
      ["sample_format", manifest.sample_format, first.sample_format],
      ["world_size", manifest.world_size ?? 1, worldSize],
    ] as const) {
      if (value !== expected)
        throw new CorpusInputError({
          path: directory,
          message: `${key} ${String(value)} differs from ${String(expected)} of ${ranks[0]!.directory}; merge only the ranks of one build`,
        });
    }
  }
  const seen = new Map<number, string>();
  for (const { directory, manifest } of ranks) {
    const rank = manifest.rank ?? 0;
    if (seen.has(rank)) throw new CorpusInputError({ path: directory, message: `rank ${rank} is also ${seen.get(rank)}; pass each rank once` });
    seen.set(rank, directory);
  }
  const missing = Array.from({ length: worldSize }, (_, rank) => rank).filter((rank) => !seen.has(rank));
  if (missing.length > 0)
    throw new CorpusInputError({ path: options.inputs.join(", "), message: `rank(s) ${missing.join(", ")} of world size ${worldSize} are missing` });
  ranks.sort((left, right) => (left.manifest.rank ?? 0) - (right.manifest.rank ?? 0));

  const stats: CorpusStats = { total: 0, forwarded: 0, bytes: 0, tokens: 0 };
  for (const { stats: rankStats } of ranks) {
    for (const [key, value] of Object.entries(rankStats)) {
      if (typeof value === "number") stats[key] = ((stats[key] as number | undefined) ?? 0) + value;
      else if (Array.isArray(value)) stats[key] = [...((stats[key] as string[] | undefined) ?? []), ...value].slice(0, PROBLEM_LINES_KEPT);
    }
  }
  const width = String(worldSize - 1).length;
  let manifest: Record<string, unknown> = {};
  await atomicOutputDirectory(
    options.out,
    async (directory) => {
      const splits = {} as Record<"train" | "valid", SplitSummary>;
      for (const split of ["train", "valid"] as const) {
        const shards: ShardInfo[] = [];
        let sequences = 0;
        let labelTokens = 0;
        for (const rank of ranks) {
          const summary = rank.manifest.splits[split];
          sequences += summary.sequences;
          labelTokens += summary.label_tokens;
          for (const [index, shard] of summary.shards.entries()) {
            const name = `${split}-r${String(rank.manifest.rank ?? 0).padStart(width, "0")}-${String(index).padStart(5, "0")}`;
            for (const part of PART_FILES)
              await linkOrCopy(join(rank.directory, `${shard.name}.${part}.npy`), join(directory, `${name}.${part}.npy`), options.copy === true);
            shards.push({ ...shard, name });
          }
        }
        splits[split] = { sequences, tokens: sequences * first.seq_len, label_tokens: labelTokens, shards };
      }
      const { rank: _rank, world_size: _worldSize, ...shared } = first;
      manifest = { ...shared, splits, merged_from: { world_size: worldSize, ranks: ranks.map(({ directory }) => directory) } };
      await writeFile(join(directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await writeFile(join(directory, STATS_FILE), `${JSON.stringify(stats, null, 2)}\n`);
    },
    { overwrite: options.overwrite, inputs: options.inputs },
  );
  return { manifest, stats };
}

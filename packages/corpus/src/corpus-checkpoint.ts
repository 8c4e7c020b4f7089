import { existsSync } from "node:fs";
import { readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ShardInfo, ShardWriterState } from "./shard-writer.js";

/** Files of a build in progress (inside the `.NAME.partial` sibling of the output). */
export const CHECKPOINT_FILE = "checkpoint.json";
export const DEDUP_LOG_FILE = "dedup.log";

type Split = "train" | "valid";

/** Everything needed to continue a killed build exactly where its last checkpoint was taken. */
export interface CorpusCheckpoint {
  version: 1;
  /** The settings that shape the output (a rerun with others is refused). */
  settings: Record<string, unknown>;
  /** Documents of this rank's input stream consumed so far. */
  position: number;
  stats: Record<string, unknown>;
  writers: Record<Split, { shards: ShardInfo[]; sequences: number; labelTokens: number; pendingTokens: number }>;
  /** The binary file holding the writers' buffered tokens. */
  pendingFile: string;
  dedupLogBytes: number;
  sequence: number;
}

/** Writes the buffered tokens and then the checkpoint, each to a temporary name renamed into place. */
export async function writeCheckpoint(
  directory: string,
  checkpoint: Omit<CorpusCheckpoint, "writers" | "pendingFile" | "version">,
  writers: Record<Split, ShardWriterState>,
  previous?: CorpusCheckpoint,
): Promise<CorpusCheckpoint> {
  const pendingFile = `checkpoint-${checkpoint.sequence}.bin`;
  const parts: Buffer[] = [];
  for (const split of ["train", "valid"] as const) {
    const { tokens, mask, starts } = writers[split];
    parts.push(Buffer.from(tokens.buffer, tokens.byteOffset, tokens.byteLength), Buffer.from(mask), Buffer.from(starts));
  }
  await writeFile(join(directory, `${pendingFile}.tmp`), Buffer.concat(parts));
  await rename(join(directory, `${pendingFile}.tmp`), join(directory, pendingFile));
  const full: CorpusCheckpoint = {
    version: 1,
    ...checkpoint,
    pendingFile,
    writers: {
      train: {
        shards: writers.train.shards,
        sequences: writers.train.sequences,
        labelTokens: writers.train.labelTokens,
        pendingTokens: writers.train.tokens.length,
      },
      valid: {
        shards: writers.valid.shards,
        sequences: writers.valid.sequences,
        labelTokens: writers.valid.labelTokens,
        pendingTokens: writers.valid.tokens.length,
      },
    },
  };
  await writeFile(join(directory, `${CHECKPOINT_FILE}.tmp`), `${JSON.stringify(full)}\n`);
  await rename(join(directory, `${CHECKPOINT_FILE}.tmp`), join(directory, CHECKPOINT_FILE));
  if (previous && previous.pendingFile !== pendingFile) await rm(join(directory, previous.pendingFile), { force: true });
  return full;
}

/** The last checkpoint of a partial build, its writers' state and dedup log (the log cut back to the checkpoint); undefined if none. */
export async function readCheckpoint(
  directory: string,
): Promise<{ checkpoint: CorpusCheckpoint; writers: Record<Split, ShardWriterState>; dedupLog: Uint8Array } | undefined> {
  const path = join(directory, CHECKPOINT_FILE);
  if (!existsSync(path)) return undefined;
  const checkpoint = JSON.parse(await readFile(path, "utf8")) as CorpusCheckpoint;
  const pending = await readFile(join(directory, checkpoint.pendingFile));
  let offset = 0;
  const take = (bytes: number) => {
    const slice = pending.subarray(offset, offset + bytes);
    offset += bytes;
    return new Uint8Array(slice);
  };
  const writers = {} as Record<Split, ShardWriterState>;
  for (const split of ["train", "valid"] as const) {
    const { shards, sequences, labelTokens, pendingTokens } = checkpoint.writers[split];
    const tokenBytes = take(pendingTokens * 4);
    writers[split] = {
      shards,
      sequences,
      labelTokens,
      tokens: new Uint32Array(tokenBytes.buffer, tokenBytes.byteOffset, pendingTokens),
      mask: take(pendingTokens),
      starts: take(pendingTokens),
    };
  }
  const logPath = join(directory, DEDUP_LOG_FILE);
  let dedupLog: Uint8Array = new Uint8Array(0);
  if (checkpoint.dedupLogBytes > 0) {
    await truncate(logPath, checkpoint.dedupLogBytes);
    dedupLog = await readFile(logPath);
  } else if (existsSync(logPath)) await truncate(logPath, 0);
  return { checkpoint, writers, dedupLog };
}

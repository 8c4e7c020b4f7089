import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeNpy } from "./write-npy.js";

export interface ShardInfo {
  name: string;
  sequences: number;
  sha256: { tokens: string; mask: string; starts: string };
}

export interface SplitSummary {
  sequences: number;
  tokens: number;
  label_tokens: number;
  shards: ShardInfo[];
}

/**
 * Packs tokenized documents of one split into rows of `seqLen` (documents run on into the next
 * row; `starts` marks each document's first token) and writes full shards as `.npy` triples.
 */
export class ShardWriter {
  private readonly tokens: Uint32Array;
  private readonly mask: Uint8Array;
  private readonly starts: Uint8Array;
  /** Tokens filled in the current shard buffer. */
  private filled = 0;
  private readonly shards: ShardInfo[] = [];
  private labelTokens = 0;
  private sequences = 0;

  constructor(
    private readonly directory: string,
    private readonly split: "train" | "valid",
    private readonly seqLen: number,
    private readonly sequencesPerShard: number,
    private readonly padId: number,
  ) {
    this.tokens = new Uint32Array(seqLen * sequencesPerShard);
    this.mask = new Uint8Array(seqLen * sequencesPerShard);
    this.starts = new Uint8Array(seqLen * sequencesPerShard);
  }

  /** Appends one document (ids and their loss mask). */
  async add(ids: readonly number[], mask: readonly number[]): Promise<void> {
    for (let index = 0; index < ids.length; index += 1) {
      if (this.filled === this.tokens.length) await this.flush();
      this.tokens[this.filled] = ids[index];
      this.mask[this.filled] = mask[index];
      this.starts[this.filled] = index === 0 ? 1 : 0;
      if (mask[index]) this.labelTokens += 1;
      this.filled += 1;
    }
  }

  /** Writes what is buffered as a shard (the last row padded with the pad id, mask 0). */
  private async flush(): Promise<void> {
    if (this.filled === 0) return;
    const rows = Math.ceil(this.filled / this.seqLen);
    const size = rows * this.seqLen;
    this.tokens.fill(this.padId, this.filled, size);
    this.mask.fill(0, this.filled, size);
    this.starts.fill(0, this.filled, size);
    const name = `${this.split}-${String(this.shards.length).padStart(5, "0")}`;
    const sha256: Record<string, string> = {};
    for (const [part, data] of [["tokens", this.tokens.subarray(0, size)], ["mask", this.mask.subarray(0, size)], ["starts", this.starts.subarray(0, size)]] as const) {
      const path = join(this.directory, `${name}.${part}.npy`);
      await writeNpy(path, data, [rows, this.seqLen]);
      sha256[part] = createHash("sha256").update(await readFile(path)).digest("hex");
    }
    this.shards.push({ name, sequences: rows, sha256: sha256 as ShardInfo["sha256"] });
    this.sequences += rows;
    this.filled = 0;
  }

  async finish(): Promise<SplitSummary> {
    await this.flush();
    return { sequences: this.sequences, tokens: this.sequences * this.seqLen, label_tokens: this.labelTokens, shards: this.shards };
  }
}

import { createHash } from "node:crypto";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeNpy } from "./write-npy.js";

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

/** What a checkpoint keeps of a writer: finished shards, counts, and the tokens buffered for the next shard. */
export interface ShardWriterState {
  shards: ShardInfo[];
  sequences: number;
  labelTokens: number;
  tokens: Uint32Array;
  mask: Uint8Array;
  starts: Uint8Array;
}

/**
 * Packs tokenized documents of one split into rows of `sequenceLength` (documents run on into the next
 * row; `starts` marks each document's first token) and writes full shards as `.npy` triples,
 * each file written to a temporary name and renamed (a file never appears half written).
 */
export class ShardWriter {
  private readonly tokens: Uint32Array;
  private readonly mask: Uint8Array;
  private readonly starts: Uint8Array;
  /** Tokens filled in the current shard buffer. */
  private filled = 0;
  private shards: ShardInfo[] = [];
  private labelTokens = 0;
  private sequences = 0;

  constructor(
    private readonly directory: string,
    private readonly split: "train" | "valid",
    private readonly sequenceLength: number,
    sequencesPerShard: number,
    private readonly padId: number,
  ) {
    this.tokens = new Uint32Array(sequenceLength * sequencesPerShard);
    this.mask = new Uint8Array(sequenceLength * sequencesPerShard);
    this.starts = new Uint8Array(sequenceLength * sequencesPerShard);
  }

  /** Shards written so far. */
  get shardCount(): number {
    return this.shards.length;
  }

  get writtenShards(): readonly ShardInfo[] {
    return this.shards;
  }

  /** Appends one document (ids and their loss mask); `pieces` (sample lengths) each start a document (default: one). */
  async add(ids: ArrayLike<number>, mask: ArrayLike<number>, pieces: ArrayLike<number> = [ids.length]): Promise<void> {
    let nextStart = 0;
    let piece = 0;
    for (let index = 0; index < ids.length; index += 1) {
      if (this.filled === this.tokens.length) await this.flush();
      const start = index === nextStart;
      if (start) nextStart += pieces[piece++] ?? ids.length;
      this.tokens[this.filled] = ids[index];
      this.mask[this.filled] = mask[index];
      this.starts[this.filled] = start ? 1 : 0;
      if (mask[index]) this.labelTokens += 1;
      this.filled += 1;
    }
  }

  /** Writes what is buffered as a shard (the last row padded with the pad id, mask 0). */
  private async flush(): Promise<void> {
    if (this.filled === 0) return;
    const rows = Math.ceil(this.filled / this.sequenceLength);
    const size = rows * this.sequenceLength;
    this.tokens.fill(this.padId, this.filled, size);
    this.mask.fill(0, this.filled, size);
    this.starts.fill(0, this.filled, size);
    const name = `${this.split}-${String(this.shards.length).padStart(5, "0")}`;
    const sha256: Record<string, string> = {};
    for (const [part, data] of [
      ["tokens", this.tokens.subarray(0, size)],
      ["mask", this.mask.subarray(0, size)],
      ["starts", this.starts.subarray(0, size)],
    ] as const) {
      const path = join(this.directory, `${name}.${part}.npy`);
      const bytes = encodeNpy(data, [rows, this.sequenceLength]);
      await writeFile(`${path}.tmp`, bytes);
      await rename(`${path}.tmp`, path);
      sha256[part] = createHash("sha256").update(bytes).digest("hex");
    }
    this.shards.push({ name, sequences: rows, sha256: sha256 as ShardInfo["sha256"] });
    this.sequences += rows;
    this.filled = 0;
  }

  /** The state a checkpoint saves (copies of the buffered tokens). */
  snapshot(): ShardWriterState {
    return {
      shards: this.shards.map((shard) => ({ ...shard, sha256: { ...shard.sha256 } })),
      sequences: this.sequences,
      labelTokens: this.labelTokens,
      tokens: this.tokens.slice(0, this.filled),
      mask: this.mask.slice(0, this.filled),
      starts: this.starts.slice(0, this.filled),
    };
  }

  /** Continues from a checkpoint's state. */
  restore(state: ShardWriterState): void {
    this.shards = state.shards;
    this.sequences = state.sequences;
    this.labelTokens = state.labelTokens;
    this.filled = state.tokens.length;
    this.tokens.set(state.tokens);
    this.mask.set(state.mask);
    this.starts.set(state.starts);
  }

  async finish(): Promise<SplitSummary> {
    await this.flush();
    return { sequences: this.sequences, tokens: this.sequences * this.sequenceLength, label_tokens: this.labelTokens, shards: this.shards };
  }
}

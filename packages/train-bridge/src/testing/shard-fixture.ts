// Test helper (not exported): writes a small learnable token-shard directory per docs/contracts.md
// (a pattern a tiny model learns fast, which real text would not give in a few steps).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeNpy } from "@graft/corpus";

export interface ShardFixtureOptions {
  directory: string;
  sequences?: number;
  validSequences?: number;
  sequenceLength?: number;
  /** Tokens cycle through [firstToken, firstToken + 16): a pattern a tiny model learns fast. */
  firstToken?: number;
  seed?: number;
}

/** A learnable fixture: each sequence counts up modulo 16 from a seeded offset. */
export function writeShardFixture({
  directory,
  sequences = 16,
  validSequences = 4,
  sequenceLength = 32,
  firstToken = 300,
  seed = 7,
}: ShardFixtureOptions): string {
  mkdirSync(directory, { recursive: true });
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) % 16;
  };
  const splits: Record<string, unknown> = {};
  for (const [split, count] of [
    ["train", sequences],
    ["valid", validSequences],
  ] as const) {
    const tokens = new Uint32Array(count * sequenceLength);
    const mask = new Uint8Array(count * sequenceLength).fill(1);
    const starts = new Uint8Array(count * sequenceLength);
    for (let row = 0; row < count; row++) {
      const offset = random();
      for (let column = 0; column < sequenceLength; column++) tokens[row * sequenceLength + column] = firstToken + ((offset + column) % 16);
      mask[row * sequenceLength] = 0;
      starts[row * sequenceLength] = 1;
    }
    const name = `${split}-00000`;
    writeFileSync(join(directory, `${name}.tokens.npy`), encodeNpy(tokens, [count, sequenceLength]));
    writeFileSync(join(directory, `${name}.mask.npy`), encodeNpy(mask, [count, sequenceLength]));
    writeFileSync(join(directory, `${name}.starts.npy`), encodeNpy(starts, [count, sequenceLength]));
    splits[split] = {
      sequences: count,
      tokens: count * sequenceLength,
      label_tokens: count * (sequenceLength - 1),
      shards: count ? [{ name, sequences: count }] : [],
    };
  }
  const manifest = {
    format: "graft-shards",
    version: 1,
    seq_len: sequenceLength,
    tokenizer: { vocab_size: 32000, bos_token_id: 1, eos_token_id: 2, pad_token_id: 0 },
    sample_format: "plain",
    splits,
    created_by: "@graft/train-bridge test fixture",
  };
  writeFileSync(join(directory, "manifest.json"), JSON.stringify(manifest, null, 2));
  return directory;
}

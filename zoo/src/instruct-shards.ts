// Instruction conversations → training shards (docs/contracts.md): rendered with the model's chat
// template and tokenized by @graft/chat-tags with the assistant-mode loss mask (labels: the assistant
// replies and their <|eot_id|>), packed by @graft/corpus's ShardWriter. buildCorpus only knows plain
// and InsCP-document inputs, so the manifest is written here, in its format.
import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { conversation, createTagger, SampleTooLongError } from "@graft/chat-tags";
import { MANIFEST_FILE, ShardWriter, STATS_FILE } from "@graft/corpus";
import { atomicOutputDirectory } from "@graft/hf";
import type { InstructRecord } from "./instruct-data.js";

/** Sequences per shard file (the instruction set is small: one shard). */
const SEQUENCES_PER_SHARD = 65_536;

export interface InstructShardsOptions {
  /** Model directory (tokenizer + chat template). */
  model: string;
  /** JSONL of {source, messages}. */
  input: string;
  sequenceLength: number;
  out: string;
}

export interface InstructShardStats {
  conversations: number;
  droppedTooLong: number;
  tokens: number;
  labelTokens: number;
  sequences: number;
}

export async function writeInstructShards(options: InstructShardsOptions): Promise<InstructShardStats> {
  const tagger = await createTagger({ modelDirectory: options.model, mask: "assistant", maxLength: options.sequenceLength });
  const { tokenizer } = tagger;
  const padId = tokenizer.specialTokens.pad?.id ?? tokenizer.specialTokens.eos?.id ?? 0;
  const stats: InstructShardStats = { conversations: 0, droppedTooLong: 0, tokens: 0, labelTokens: 0, sequences: 0 };
  return atomicOutputDirectory(
    options.out,
    async (directory) => {
      const train = new ShardWriter(directory, "train", options.sequenceLength, SEQUENCES_PER_SHARD, padId);
      const valid = new ShardWriter(directory, "valid", options.sequenceLength, SEQUENCES_PER_SHARD, padId);
      for await (const line of createInterface({ input: createReadStream(options.input), crlfDelay: Infinity })) {
        if (line.trim() === "") continue;
        const record = JSON.parse(line) as InstructRecord;
        let samples: Awaited<ReturnType<typeof tagger.tag>>;
        try {
          samples = await tagger.tag(conversation(record.messages, { source: record.source }));
        } catch (error) {
          if (!SampleTooLongError.isInstance(error)) throw error;
          stats.droppedTooLong += 1;
          continue;
        }
        stats.conversations += 1;
        for (const sample of samples) {
          await train.add(sample.ids, sample.mask);
          stats.tokens += sample.ids.length;
          stats.labelTokens += sample.mask.reduce((sum, value) => sum + value, 0);
        }
      }
      const splits = { train: await train.finish(), valid: await valid.finish() };
      stats.sequences = splits.train.sequences;
      const manifest = {
        format: "graft-shards",
        version: 1,
        seq_len: options.sequenceLength,
        tokenizer: {
          sha256: tokenizer.sha256,
          vocab_size: tokenizer.idLimit,
          bos_token_id: tokenizer.specialTokens.bos?.id ?? null,
          eos_token_id: tokenizer.specialTokens.eos?.id ?? null,
          pad_token_id: padId,
        },
        sample_format: "conversation",
        splits,
        created_by: "zoo/src/instruct-shards.ts (@graft/chat-tags assistant mask + @graft/corpus ShardWriter)",
      };
      await writeFile(join(directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await writeFile(
        join(directory, STATS_FILE),
        `${JSON.stringify({ total: stats.conversations + stats.droppedTooLong, forwarded: stats.conversations, dropped_too_long: stats.droppedTooLong, tokens: stats.tokens }, null, 2)}\n`,
      );
      return stats;
    },
    { overwrite: true },
  );
}

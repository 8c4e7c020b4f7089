import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { atomicOutputDirectory, loadTokenizer } from "@graft/hf";
import { createTagger, inscpDocument } from "@graft/chat-tags";
import { cleanText } from "./clean-text.js";
import { CorpusInputError } from "./corpus-input-error.js";
import { exactDedup } from "./exact-dedup.js";
import { createLanguageIdentifier } from "./identify-language.js";
import { languageFilter } from "./language-filter.js";
import type { PipelineStep } from "./pipeline-step.js";
import { qualityFilter, type QualityFilterOptions } from "./quality-filter.js";
import { readDocuments, type ReadDocumentsOptions } from "./read-documents.js";
import { ShardWriter, type SplitSummary } from "./shard-writer.js";

export type CorpusFormat = "plain" | "inscp-document";

export interface BuildCorpusOptions {
  inputs: readonly string[];
  /** Tokenizer (or model) directory. */
  tokenizer: string;
  seqLen: number;
  out: string;
  /** `plain`: text + EOS (the paper's orgCP). `inscp-document`: wrapped in the model's chat template (InsCP). */
  format?: CorpusFormat;
  /** Model directory whose chat template `inscp-document` uses (default: `tokenizer`). */
  model?: string;
  /** Share of documents (by a hash of their id) in the valid split (default 0.01). */
  validFraction?: number;
  dedup?: "exact" | "none";
  quality?: QualityFilterOptions | false;
  /** Keep only documents fastText identifies as one of these languages (ISO 639-1, e.g. `ru`). */
  languages?: readonly string[];
  /** Minimum fastText probability for `languages` (default 0.5). */
  languageThreshold?: number;
  /** Extra steps run after the built-in ones. */
  steps?: PipelineStep[];
  read?: Omit<ReadDocumentsOptions, "onProblem">;
  /** Stop after reading this many documents (a slice of a large corpus). */
  maxDocuments?: number;
  /** Tokens per shard buffer (default 2^24: 64 MB of ids). */
  shardTokens?: number;
  overwrite?: boolean;
  onEvent?: (event: CorpusEvent) => void;
}

export type CorpusEvent = { type: "progress"; documents: number; forwarded: number; megabytes: number; seconds: number; megabytesPerSecond: number };

export interface CorpusStats {
  total: number;
  forwarded: number;
  /** `dropped_<reason>` counts, and problems (`malformed_json`, `missing_field`) with their first lines. */
  [key: string]: number | string[] | undefined;
  bytes: number;
  tokens: number;
}

/** Files in the output directory. */
export const MANIFEST_FILE = "manifest.json";
export const STATS_FILE = "stats.json";
const PROGRESS_EVERY_DOCUMENTS = 5000;
const DEFAULT_SHARD_TOKENS = 2 ** 24;
/** First line numbers kept per problem kind. */
const PROBLEM_LINES_KEPT = 10;

function inValidSplit(id: string, fraction: number): boolean {
  if (fraction <= 0) return false;
  const hash = createHash("sha1").update(id).digest().readUInt32BE(0);
  return hash / 2 ** 32 < fraction;
}

/**
 * Builds training shards (docs/contracts.md) from raw text: read → clean → quality filter →
 * language filter → exact dedup → extra steps → tokenize (plain or InsCP-wrapped) → pack into `seqLen` rows, with a
 * deterministic train/valid split by document id. The output appears only when complete.
 */
export async function buildCorpus(options: BuildCorpusOptions): Promise<{ manifest: Record<string, unknown>; stats: CorpusStats }> {
  const started = performance.now();
  const format = options.format ?? "plain";
  if (!Number.isInteger(options.seqLen) || options.seqLen < 2) throw new CorpusInputError({ path: options.out, message: `seq-len ${options.seqLen} must be an integer >= 2` });
  const tokenizer = await loadTokenizer(options.tokenizer);
  const eosId = tokenizer.specialTokens.eos?.id;
  const padId = tokenizer.specialTokens.pad?.id ?? eosId ?? 0;
  const tagger = format === "inscp-document" ? await createTagger({ modelDirectory: options.model ?? options.tokenizer, maxLength: options.seqLen }) : undefined;
  const steps: PipelineStep[] = [cleanText];
  if (options.quality !== false) steps.push(qualityFilter(options.quality ?? {}));
  if (options.languages && options.languages.length > 0) steps.push(languageFilter({ languages: options.languages, threshold: options.languageThreshold, identify: await createLanguageIdentifier() }));
  if ((options.dedup ?? "exact") === "exact") steps.push(exactDedup());
  steps.push(...(options.steps ?? []));
  const validFraction = options.validFraction ?? 0.01;
  const stats: CorpusStats = { total: 0, forwarded: 0, bytes: 0, tokens: 0 };
  const problem = (reason: string, line: number, source: string) => {
    stats[reason] = ((stats[reason] as number | undefined) ?? 0) + 1;
    const lines = ((stats[`${reason}_first_lines`] as string[] | undefined) ??= []);
    if (lines.length < PROBLEM_LINES_KEPT) lines.push(`${source}:${line}`);
    stats[`${reason}_first_lines`] = lines;
  };
  const shardSequences = Math.max(1, Math.floor((options.shardTokens ?? DEFAULT_SHARD_TOKENS) / options.seqLen));

  return atomicOutputDirectory(
    options.out,
    async (directory) => {
      const writers = { train: new ShardWriter(directory, "train", options.seqLen, shardSequences, padId), valid: new ShardWriter(directory, "valid", options.seqLen, shardSequences, padId) };
      const documents = readDocuments(options.inputs, { ...options.read, onProblem: ({ reason, source, line }) => problem(reason.replace("-", "_"), line, source) });
      for await (const input of documents) {
        if (options.maxDocuments !== undefined && stats.total >= options.maxDocuments) break;
        stats.total += 1;
        stats.bytes += Buffer.byteLength(input.text);
        let document = input;
        let dropped: string | undefined;
        for (const step of steps) {
          const result = await step(document);
          if ("drop" in result) {
            dropped = result.drop;
            break;
          }
          document = result;
        }
        if (dropped) {
          stats[`dropped_${dropped}`] = ((stats[`dropped_${dropped}`] as number | undefined) ?? 0) + 1;
        } else {
          stats.forwarded += 1;
          const writer = inValidSplit(document.id, validFraction) ? writers.valid : writers.train;
          if (tagger) {
            let samples: { ids: number[]; mask: number[] }[];
            try {
              samples = await tagger.tag({ ...inscpDocument(document.text), metadata: { source: document.metadata.source, line: document.metadata.line } });
            } catch (error) {
              // A sentence longer than a whole sequence cannot be wrapped: drop the document, counted.
              if ((error as Error).name !== "SampleTooLongError") throw error;
              stats.forwarded -= 1;
              stats.dropped_sentence_too_long = ((stats.dropped_sentence_too_long as number | undefined) ?? 0) + 1;
              samples = [];
            }
            for (const sample of samples) {
              await writer.add(sample.ids, sample.mask);
              stats.tokens += sample.ids.length;
            }
          } else {
            const ids = tokenizer.encode(document.text);
            if (eosId !== undefined && ids[ids.length - 1] !== eosId) ids.push(eosId);
            await writer.add(ids, new Array<number>(ids.length).fill(1));
            stats.tokens += ids.length;
          }
        }
        if (stats.total % PROGRESS_EVERY_DOCUMENTS === 0) {
          const seconds = (performance.now() - started) / 1000;
          options.onEvent?.({ type: "progress", documents: stats.total, forwarded: stats.forwarded, megabytes: stats.bytes / 1e6, seconds, megabytesPerSecond: stats.bytes / 1e6 / seconds });
        }
      }
      if (stats.forwarded === 0) {
        throw new CorpusInputError({ path: options.inputs.join(", "), message: `no document survived (${stats.total} read); check the inputs, --field, and the filter thresholds (stats: ${JSON.stringify(stats)})` });
      }
      const splits: Record<string, SplitSummary> = { train: await writers.train.finish(), valid: await writers.valid.finish() };
      const manifest = {
        format: "graft-shards",
        version: 1,
        seq_len: options.seqLen,
        tokenizer: { sha256: tokenizer.sha256, vocab_size: tokenizer.idLimit, bos_token_id: tokenizer.specialTokens.bos?.id ?? null, eos_token_id: eosId ?? null, pad_token_id: padId },
        sample_format: format,
        splits,
        created_by: "@graft/corpus 0.1.0",
      };
      await writeFile(join(directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await writeFile(join(directory, STATS_FILE), `${JSON.stringify({ ...stats, seconds: (performance.now() - started) / 1000 }, null, 2)}\n`);
      return { manifest, stats };
    },
    { overwrite: options.overwrite },
  );
}

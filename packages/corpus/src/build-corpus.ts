import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { appendFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { loadTokenizer, OutputDirectoryExistsError, refuseOutputOverInputs } from "@graft/hf";
import { CHECKPOINT_FILE, type CorpusCheckpoint, DEDUP_LOG_FILE, readCheckpoint, writeCheckpoint } from "./corpus-checkpoint.js";
import type { CorpusDocument } from "./corpus-document.js";
import { CorpusInputError } from "./corpus-input-error.js";
import { type CorpusEvent, ProgressMeter } from "./corpus-progress.js";
import { CorpusResumeError } from "./corpus-resume-error.js";
import { dedupDecisions, SIGNATURES_FILE, SIGNATURES_INFO_FILE, type SignaturesInfo, signatureRecord } from "./dedup-signatures.js";
import { type DedupMode, DocumentDeduplicator } from "./document-deduplicator.js";
import { type CorpusFormat, createDocumentEncoder, type DocumentEncoder, type ProcessorSettings, type RawDocument } from "./document-processor.js";
import { DocumentWorkerPool } from "./document-worker-pool.js";
import { expandInputs } from "./expand-inputs.js";
import { MINHASH_HASHES } from "./minhash-signature.js";
import type { PipelineStep } from "./pipeline-step.js";
import type { QualityFilterOptions } from "./quality-filter.js";
import { type ReadDocumentsOptions, type ReadProblem, readDocuments, sliceInputs } from "./read-documents.js";
import { ShardWriter, type SplitSummary } from "./shard-writer.js";

export type { CorpusEvent } from "./corpus-progress.js";
export type { CorpusFormat } from "./document-processor.js";

export interface BuildCorpusOptions {
  /** Files, directories or globs of `.txt` / `.jsonl` / `.parquet` (each optionally `.gz` / `.zst`). */
  inputs: readonly string[];
  /** Tokenizer (or model) directory. */
  tokenizer: string;
  sequenceLength: number;
  out: string;
  /** `plain`: text + EOS (orgCP). `inscp-document`: wrapped in the model's chat template (InsCP). `inscp-pair`: question and answer each wrapped (needs `read.pairFields`). */
  format?: CorpusFormat;
  /** Model directory whose chat template the InsCP formats use (default: `tokenizer`). */
  model?: string;
  /** Share of documents (by a hash of their id) in the valid split (default 0.01). */
  validFraction?: number;
  /** `exact` (default): same normalised text; `minhash`: exact plus MinHash-LSH near-duplicates; `none`. */
  dedup?: DedupMode;
  /** Estimated Jaccard at or above which `minhash` drops a document (default 0.7). */
  nearDuplicateThreshold?: number;
  quality?: QualityFilterOptions | false;
  /** Keep only documents fastText identifies as one of these languages (ISO 639-1, e.g. `ru`). */
  languages?: readonly string[];
  /** The same as `languages` (a code or a list). */
  lang?: string | readonly string[];
  /** Minimum fastText probability for `languages` (default 0.5). */
  languageThreshold?: number;
  /** Extra steps, run in the main thread after dedup (a changed text is tokenized again). */
  steps?: PipelineStep[];
  read?: Omit<ReadDocumentsOptions, "onProblem" | "onBytes" | "rank" | "worldSize">;
  /** Stop after reading this many documents (a slice of a large corpus). */
  maxDocuments?: number;
  /** Tokens per shard buffer (default 2^24: 64 MB of ids). */
  shardTokens?: number;
  /** Worker threads for clean-up, filters and tokenization (default: the CPU count; 0: in-process). */
  workers?: number;
  /** Scale-out: this process builds slice `rank` of `worldSize` (merge the ranks with `mergeCorpus`). */
  rank?: number;
  worldSize?: number;
  /** Cross-rank dedup, pass one: write only the dedup signatures of this rank's documents (no shards). */
  dedupPass?: "signatures";
  /** Cross-rank dedup, pass two: every rank's signatures-pass output; duplicates are judged over all ranks. */
  dedupSignatures?: readonly string[];
  /** Replace an existing complete output. A partial build (`.NAME.partial`) is resumed unless `resume: false`. */
  overwrite?: boolean;
  resume?: boolean;
  onEvent?: (event: CorpusEvent) => void;
}

export interface CorpusStats {
  total: number;
  forwarded: number;
  /** `dropped_<reason>` counts, and problems (`malformed_json`, `missing_field`, `invalid_utf8`) with their first lines. */
  [key: string]: number | string[] | undefined;
  bytes: number;
  tokens: number;
}

/** Files in the output directory. */
export const MANIFEST_FILE = "manifest.json";
export const STATS_FILE = "stats.json";
/** Documents handed to the worker pool at a time (two batches are in flight: one read while the other is processed). */
const BATCH_DOCUMENTS = 512;
const PROGRESS_EVERY_SECONDS = 2;
const DEFAULT_SHARD_TOKENS = 2 ** 24;
/** First line numbers kept per problem kind. */
const PROBLEM_LINES_KEPT = 10;
const CREATED_BY = "@graft/corpus 0.1.0";

/**
 * Whether a document goes to the valid split: a hash of its id with the directory part left out
 * (`ru-train.txt.gz:1234`), so the same data splits the same way in any checkout or working directory.
 */
function inValidSplit(id: string, fraction: number): boolean {
  if (fraction <= 0) return false;
  const hash = createHash("sha1").update(basename(id)).digest().readUInt32BE(0);
  return hash / 2 ** 32 < fraction;
}

/** The partial-build directory of an output: a sibling, so the rename into place is atomic. */
export function partialDirectory(out: string): string {
  const target = resolve(out);
  return join(dirname(target), `.${basename(target)}.partial`);
}

function increment(stats: CorpusStats, key: string, by = 1): void {
  stats[key] = ((stats[key] as number | undefined) ?? 0) + by;
}

/** Reader problems: counted by kind (`malformed_json`, ...) with their first `file:line`s. */
function countProblems(stats: CorpusStats, problems: readonly { reason: ReadProblem; source: string; line: number }[]): void {
  for (const problem of problems) {
    const reason = problem.reason.replaceAll("-", "_");
    increment(stats, reason);
    stats[`${reason}_first_lines`] ??= [];
    const lines = stats[`${reason}_first_lines`] as string[];
    if (lines.length < PROBLEM_LINES_KEPT) lines.push(`${problem.source}:${problem.line}`);
  }
}

/**
 * Builds training shards (docs/contracts.md) from raw text: read → clean → quality filters →
 * language filter → tokenize (worker threads) → exact / near dedup → extra steps → pack into
 * `sequenceLength` rows, with a deterministic train/valid split by document id. Resumable: a killed
 * run continues from its last finished shard and gives the same bytes; the output directory
 * appears only when complete.
 */
export async function buildCorpus(options: BuildCorpusOptions): Promise<{ manifest: Record<string, unknown>; stats: CorpusStats }> {
  refuseOutputOverInputs(options.out, [...options.inputs, options.tokenizer, ...(options.model ? [options.model] : []), ...(options.dedupSignatures ?? [])]);
  const format = options.format ?? "plain";
  const dedup = options.dedup ?? "exact";
  const rank = options.rank ?? 0;
  const worldSize = options.worldSize ?? 1;
  const languages = options.languages ?? (typeof options.lang === "string" ? options.lang.split(",").filter(Boolean) : options.lang);
  if (!Number.isInteger(options.sequenceLength) || options.sequenceLength < 2)
    throw new CorpusInputError({ path: options.out, message: `seq-len ${options.sequenceLength} must be an integer >= 2` });
  if (!Number.isInteger(worldSize) || worldSize < 1 || !Number.isInteger(rank) || rank < 0 || rank >= worldSize)
    throw new CorpusInputError({ path: options.out, message: `rank ${rank} of world size ${worldSize}: need 0 <= rank < world size` });
  if (format === "inscp-pair" && !options.read?.pairFields)
    throw new CorpusInputError({
      path: options.out,
      message: "format inscp-pair needs the question and answer fields (read.pairFields, --pair-fields QUESTION,ANSWER)",
    });
  const target = resolve(options.out);
  if (existsSync(target) && readdirSync(target).length > 0 && !options.overwrite) throw new OutputDirectoryExistsError({ path: target });
  const tokenizer = await loadTokenizer(options.tokenizer);
  const eosId = tokenizer.specialTokens.eos?.id;
  const padId = tokenizer.specialTokens.pad?.id ?? eosId ?? 0;
  const signaturesPass = options.dedupPass === "signatures";
  const files = expandInputs(options.inputs);
  const validFraction = options.validFraction ?? 0.01;
  const shardSequences = Math.max(1, Math.floor((options.shardTokens ?? DEFAULT_SHARD_TOKENS) / options.sequenceLength));
  const readingSettings = {
    inputs: files,
    read: options.read ?? {},
    quality: options.quality ?? {},
    languages: languages ?? [],
    languageThreshold: options.languageThreshold ?? 0.5,
    maxDocuments: options.maxDocuments ?? null,
    worldSize,
  };
  const settings = {
    ...readingSettings,
    tokenizer: tokenizer.sha256,
    sequenceLength: options.sequenceLength,
    format,
    model: options.model ? resolve(options.model) : null,
    validFraction,
    dedup,
    nearDuplicateThreshold: options.nearDuplicateThreshold ?? null,
    rank,
    shardSequences,
    dedupPass: options.dedupPass ?? null,
    dedupSignatures: options.dedupSignatures?.map((path) => resolve(path)) ?? null,
  };
  const processorSettings: ProcessorSettings = {
    tokenizer: options.tokenizer,
    model: options.model,
    format,
    sequenceLength: options.sequenceLength,
    quality: options.quality === false ? false : (options.quality ?? {}),
    languages,
    languageThreshold: options.languageThreshold,
    exactKeys: dedup !== "none",
    signatures: dedup === "minhash",
    tokenize: !signaturesPass,
  };

  const work = partialDirectory(target);
  let resumed = options.resume !== false ? await readCheckpoint(work).catch(() => undefined) : undefined;
  if (resumed) {
    for (const [key, value] of Object.entries(settings)) {
      if (JSON.stringify(resumed.checkpoint.settings[key]) !== JSON.stringify(value))
        throw new CorpusResumeError({
          path: work,
          setting: key === "tokenizer" ? "tokenizer (sha256 of tokenizer.json)" : key,
          expected: resumed.checkpoint.settings[key],
          found: value,
        });
    }
  } else {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
  }

  const decisions = options.dedupSignatures
    ? await dedupDecisions({
        directories: options.dedupSignatures,
        rank,
        worldSize,
        mode: dedup,
        threshold: options.nearDuplicateThreshold,
        settings: readingSettings,
      })
    : undefined;
  const deduplicator = new DocumentDeduplicator(decisions || signaturesPass ? "none" : dedup, options.nearDuplicateThreshold);
  const writers = {
    train: new ShardWriter(work, "train", options.sequenceLength, shardSequences, padId),
    valid: new ShardWriter(work, "valid", options.sequenceLength, shardSequences, padId),
  };
  let stats: CorpusStats = { total: 0, forwarded: 0, bytes: 0, tokens: 0 };
  let position = 0;
  let sequence = 0;
  let dedupLogBytes = 0;
  let checkpoint: CorpusCheckpoint | undefined;
  const resumedRun = resumed !== undefined;
  if (resumed) {
    checkpoint = resumed.checkpoint;
    stats = checkpoint.stats as CorpusStats;
    position = checkpoint.position;
    sequence = checkpoint.sequence;
    dedupLogBytes = checkpoint.dedupLogBytes;
    deduplicator.replay(resumed.dedupLog);
    writers.train.restore(resumed.writers.train);
    writers.valid.restore(resumed.writers.valid);
    options.onEvent?.({ type: "resume", documents: position, shards: writers.train.shardCount + writers.valid.shardCount });
    resumed = undefined;
  }

  const meter = new ProgressMeter(sliceInputs(files, rank, worldSize).files.reduce((sum, file) => sum + statSync(file).size, 0));
  // Problems met while reading a batch belong to that batch (counted when it is consumed, so a resumed run counts each once).
  let batchProblems: { reason: ReadProblem; source: string; line: number }[] = [];
  let skipping = position > 0;
  const reader = readDocuments(options.inputs, {
    ...options.read,
    rank,
    worldSize,
    onProblem: (problem) => {
      if (!skipping) batchProblems.push(problem);
    },
    onBytes: (bytes) => meter.read(bytes),
  })[Symbol.asyncIterator]();
  let consumedFromReader = 0;
  const readBatch = async (): Promise<{ documents: CorpusDocument[]; problems: typeof batchProblems }> => {
    const documents: CorpusDocument[] = [];
    while (documents.length < BATCH_DOCUMENTS) {
      if (options.maxDocuments !== undefined && consumedFromReader >= options.maxDocuments) break;
      const next = await reader.next();
      if (next.done) break;
      consumedFromReader += 1;
      if (consumedFromReader <= position) continue;
      skipping = false;
      documents.push(next.value);
    }
    const problems = batchProblems;
    batchProblems = [];
    return { documents, problems };
  };

  const pool = await DocumentWorkerPool.create(processorSettings, options.workers ?? availableParallelism());
  let mainEncoder: DocumentEncoder | undefined;
  const signatureRecords: Buffer[] = [];
  let lastProgress = 0;
  const toRaw = (document: CorpusDocument): RawDocument => ({
    id: document.id,
    text: document.text,
    source: document.metadata.source,
    line: document.metadata.line,
    question: document.metadata.question as string | undefined,
    answer: document.metadata.answer as string | undefined,
  });
  try {
    let batch = await readBatch();
    if (resumedRun) meter.resumedAt(stats.bytes);
    let trailingProblems: typeof batchProblems = [];
    let inFlight = pool.process(batch.documents.map(toRaw));
    for (;;) {
      const next = batch.documents.length > 0 ? await readBatch() : undefined;
      const nextInFlight = next && next.documents.length > 0 ? pool.process(next.documents.map(toRaw)) : undefined;
      // Handled when awaited; if this batch fails first, the abandoned one must not become an unhandled rejection.
      nextInFlight?.catch(() => undefined);
      const results = await inFlight;
      countProblems(stats, batch.problems);
      const shardsBefore = { train: writers.train.shardCount, valid: writers.valid.shardCount };
      for (let index = 0; index < batch.documents.length; index += 1) {
        const input = batch.documents[index];
        const documentPosition = position + index;
        stats.total += 1;
        stats.bytes += Buffer.byteLength(input.text);
        const result = results[index];
        if ("drop" in result) {
          increment(stats, `dropped_${result.drop}`);
          continue;
        }
        if (signaturesPass) {
          stats.forwarded += 1;
          // Exact mode has no MinHash signature: the record carries zeros there (only the key is compared).
          if (result.exactKey) signatureRecords.push(signatureRecord(documentPosition, result.exactKey, result.signature ?? new Uint32Array(MINHASH_HASHES)));
          continue;
        }
        const duplicate = decisions ? decisions.get(documentPosition) : deduplicator.check(result.exactKey, result.signature);
        if (duplicate) {
          increment(stats, `dropped_${duplicate}`);
          continue;
        }
        let { ids, mask, pieces } = result;
        if (options.steps && options.steps.length > 0) {
          let document: CorpusDocument = {
            ...input,
            text: result.text,
            metadata: { ...input.metadata, ...(result.language ? { language: result.language, language_score: result.languageScore } : {}) },
          };
          let dropped: string | undefined;
          for (const step of options.steps) {
            const stepResult = await step(document);
            if ("drop" in stepResult) {
              dropped = stepResult.drop;
              break;
            }
            document = stepResult;
          }
          if (dropped) {
            increment(stats, `dropped_${dropped}`);
            continue;
          }
          if (document.text !== result.text) {
            mainEncoder ??= await createDocumentEncoder(processorSettings);
            const encoded = await mainEncoder({
              text: document.text,
              question: document.metadata.question as string | undefined,
              answer: document.metadata.answer as string | undefined,
              source: input.metadata.source,
              line: input.metadata.line,
            });
            if ("drop" in encoded) {
              increment(stats, `dropped_${encoded.drop}`);
              continue;
            }
            ({ ids, mask, pieces } = encoded);
          }
        }
        stats.forwarded += 1;
        stats.tokens += ids.length;
        await (inValidSplit(input.id, validFraction) ? writers.valid : writers.train).add(ids, mask, pieces);
      }
      position += batch.documents.length;
      const log = deduplicator.takeLog();
      if (log.length > 0) {
        await appendFile(join(work, DEDUP_LOG_FILE), log);
        dedupLogBytes += log.length;
      }
      if (writers.train.shardCount + writers.valid.shardCount > shardsBefore.train + shardsBefore.valid) {
        for (const split of ["train", "valid"] as const) {
          for (const shard of writers[split].writtenShards.slice(shardsBefore[split]))
            options.onEvent?.({ type: "shard", split, name: shard.name, sequences: shard.sequences });
        }
        sequence += 1;
        checkpoint = await writeCheckpoint(
          work,
          { settings, position, stats, dedupLogBytes, sequence },
          { train: writers.train.snapshot(), valid: writers.valid.snapshot() },
          checkpoint,
        );
      }
      if (meter.seconds - lastProgress >= PROGRESS_EVERY_SECONDS || !next || next.documents.length === 0) {
        lastProgress = meter.seconds;
        options.onEvent?.(meter.event({ documents: stats.total, forwarded: stats.forwarded, tokens: stats.tokens, bytes: stats.bytes }));
      }
      if (!next || next.documents.length === 0) {
        trailingProblems = next?.problems ?? []; // met after the last document
        break;
      }
      batch = next;
      inFlight = nextInFlight!;
    }
    countProblems(stats, trailingProblems);
  } finally {
    await pool.close();
  }

  if (stats.forwarded === 0) {
    await rm(work, { recursive: true, force: true });
    throw new CorpusInputError({
      path: options.inputs.join(", "),
      message: `no document survived (${stats.total} read); check the inputs, --field, and the filter thresholds (stats: ${JSON.stringify(stats)})`,
    });
  }
  let manifest: Record<string, unknown>;
  if (signaturesPass) {
    await writeFile(join(work, SIGNATURES_FILE), Buffer.concat(signatureRecords));
    manifest = {
      format: "graft-dedup-signatures",
      rank,
      world_size: worldSize,
      documents: signatureRecords.length,
      settings: readingSettings,
    } satisfies SignaturesInfo;
    await writeFile(join(work, SIGNATURES_INFO_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  } else {
    const splits: Record<string, SplitSummary> = { train: await writers.train.finish(), valid: await writers.valid.finish() };
    manifest = {
      format: "graft-shards",
      version: 1,
      seq_len: options.sequenceLength,
      tokenizer: {
        sha256: tokenizer.sha256,
        vocab_size: tokenizer.idLimit,
        bos_token_id: tokenizer.specialTokens.bos?.id ?? null,
        eos_token_id: eosId ?? null,
        pad_token_id: padId,
      },
      sample_format: format,
      splits,
      ...(worldSize > 1 ? { rank, world_size: worldSize } : {}),
      created_by: CREATED_BY,
    };
    await writeFile(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  await writeFile(join(work, STATS_FILE), `${JSON.stringify(stats, null, 2)}\n`);
  for (const name of [CHECKPOINT_FILE, DEDUP_LOG_FILE, checkpoint?.pendingFile]) if (name) await rm(join(work, name), { force: true });
  if (existsSync(target)) await rm(target, { recursive: true, force: true });
  await rename(work, target);
  return { manifest, stats };
}

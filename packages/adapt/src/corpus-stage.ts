import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { cleanText, createLanguageIdentifier, exactDedup, languageFilter, type PipelineStep, qualityFilter, readDocuments } from "@graft/corpus";
import type { AdaptConfig } from "./adapt-config.js";
import { interleaveReplay } from "./interleave-replay.js";
import type { Stage } from "./stage.js";

/** The cleaned corpus every later stage reads: one document per blank-line-separated paragraph. */
export const CORPUS_FILE = "documents.txt.gz";
/** With `corpus.replay`: the cleaned corpus with the replay text interleaved, which the training sets read. */
export const TRAINING_FILE = "training.txt.gz";
/** A progress event every this many documents read. */
const PROGRESS_EVERY_DOCUMENTS = 2000;

/** The file of the corpus stage's output that training shards are built from. */
export function trainingCorpusFile(config: AdaptConfig): string {
  return config.corpus.replay ? TRAINING_FILE : CORPUS_FILE;
}

/** Counts of a filtered read: read, kept, kept characters, and one `dropped_<reason>` / read problem count each. */
type FilterStats = Record<string, number> & { total: number; kept: number; characters: number };

/**
 * The documents of `inputs` that pass `steps`, one paragraph each (a document's blank lines folded to
 * single newlines, so it stays one paragraph when read back), counted into `stats`.
 */
async function* filteredDocuments(
  inputs: readonly string[],
  steps: readonly PipelineStep[],
  stats: FilterStats,
  options: { maxDocuments?: number; onProgress?: () => void },
): AsyncGenerator<string> {
  const count = (reason: string) => (stats[reason] = (stats[reason] ?? 0) + 1);
  for await (const input of readDocuments(inputs, { onProblem: ({ reason }) => count(reason) })) {
    if (options.maxDocuments !== undefined && stats.total >= options.maxDocuments) break;
    stats.total += 1;
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
    if (stats.total % PROGRESS_EVERY_DOCUMENTS === 0) options.onProgress?.();
    if (dropped) {
      count(`dropped_${dropped}`);
      continue;
    }
    stats.kept += 1;
    stats.characters += document.text.length;
    yield document.text.replace(/\n\s*\n/g, "\n");
  }
}

/**
 * `corpus`: read the inputs once, clean, filter (quality, language by fastText lid.176), dedup and
 * write them as one text file, so the vocabulary and every training set see the same documents.
 * With `corpus.replay`, the replay text (filtered the same way for its own language) is interleaved
 * into a second file for the training sets; the vocabulary still learns from the target text only.
 */
export function corpusStage(config: AdaptConfig): Stage {
  const settings = config.corpus;
  const replay = settings.replay;
  return {
    name: "corpus",
    description: replay
      ? `clean, filter and dedup the target-language text; mix in ${replay.share} replay text`
      : "clean, filter and dedup the target-language text",
    settings: {
      language: config.language,
      maxDocuments: settings.maxDocuments,
      languageFilter: settings.languageFilter ?? true,
      languageThreshold: settings.languageThreshold ?? 0.5,
      minCharacters: settings.minCharacters ?? 20,
      dedup: settings.dedup ?? "exact",
      ...(replay
        ? {
            replay: {
              share: replay.share,
              language: replay.language ?? "en",
              languageFilter: replay.languageFilter ?? true,
              maxDocuments: replay.maxDocuments,
            },
          }
        : {}),
    },
    after: [],
    inputs: [...settings.inputs, ...(replay?.inputs ?? [])],
    run: async ({ out, progress, log }) => {
      const started = performance.now();
      await mkdir(out, { recursive: true });
      const identify = (settings.languageFilter ?? true) || (replay?.languageFilter ?? true) ? await createLanguageIdentifier() : undefined;
      const stepsFor = (language: string, filterLanguage: boolean): PipelineStep[] => {
        const steps: PipelineStep[] = [cleanText, qualityFilter({ minCharacters: settings.minCharacters ?? 20 })];
        if (filterLanguage && identify) steps.push(languageFilter({ languages: [language], threshold: settings.languageThreshold ?? 0.5, identify }));
        if ((settings.dedup ?? "exact") === "exact") steps.push(exactDedup());
        return steps;
      };
      const stats: FilterStats = { total: 0, kept: 0, characters: 0 };
      const onProgress = () => {
        const seconds = (performance.now() - started) / 1000;
        progress({ type: "corpus-progress", documents: stats.total, kept: stats.kept, documentsPerSecond: stats.total / seconds });
      };
      const target = filteredDocuments(settings.inputs, stepsFor(config.language, settings.languageFilter ?? true), stats, {
        maxDocuments: settings.maxDocuments,
        onProgress,
      });
      async function* paragraphs(): AsyncGenerator<string> {
        for await (const text of target) yield `${text}\n\n`;
      }
      await pipeline(Readable.from(paragraphs()), createGzip(), createWriteStream(join(out, CORPUS_FILE)));
      log(`stats: ${JSON.stringify(stats)}`);
      if (stats.kept === 0)
        throw new Error(
          `no document of ${stats.total} survived the filters (${JSON.stringify(stats)}); check corpus.inputs, language and corpus.languageThreshold`,
        );
      let replayStats: Record<string, number> | undefined;
      if (replay) {
        const counts: FilterStats = { total: 0, kept: 0, characters: 0 };
        const replayed = filteredDocuments(replay.inputs, stepsFor(replay.language ?? "en", replay.languageFilter ?? true), counts, {
          maxDocuments: replay.maxDocuments,
        });
        const mixed = interleaveReplay(readDocuments([join(out, CORPUS_FILE)]), replayed, replay.share);
        async function* mixedParagraphs(): AsyncGenerator<string> {
          for await (const text of mixed.documents) yield `${text}\n\n`;
        }
        await pipeline(Readable.from(mixedParagraphs()), createGzip(), createWriteStream(join(out, TRAINING_FILE)));
        const measured = mixed.replayCharacters / Math.max(1, mixed.replayCharacters + mixed.targetCharacters);
        replayStats = { ...counts, used: mixed.replayDocuments, usedCharacters: mixed.replayCharacters, share: measured };
        log(`replay: ${JSON.stringify(replayStats)}`);
        if (mixed.replayDocuments === 0)
          throw new Error(
            `no replay document of ${counts.total} survived the filters (${JSON.stringify(counts)}); check corpus.replay.inputs and corpus.replay.language`,
          );
        if (measured < replay.share * 0.9)
          progress({
            type: "corpus-warning",
            message: `replay text ran out: ${measured.toFixed(3)} of the characters, not ${replay.share}; add corpus.replay.inputs`,
          });
      }
      const seconds = (performance.now() - started) / 1000;
      await writeFile(join(out, "stats.json"), `${JSON.stringify({ ...stats, ...(replayStats ? { replay: replayStats } : {}), seconds }, null, 2)}\n`);
      return { ...stats, ...(replayStats ? { replayShare: replayStats.share, replayDocuments: replayStats.used } : {}) };
    },
  };
}

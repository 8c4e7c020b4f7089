import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { cleanText, createLanguageIdentifier, exactDedup, languageFilter, type PipelineStep, qualityFilter, readDocuments } from "@graft/corpus";
import type { AdaptConfig } from "./adapt-config.js";
import type { Stage } from "./stage.js";

/** The cleaned corpus every later stage reads: one document per blank-line-separated paragraph. */
export const CORPUS_FILE = "documents.txt.gz";
/** A progress event every this many documents read. */
const PROGRESS_EVERY_DOCUMENTS = 2000;

/**
 * `corpus`: read the inputs once, clean, filter (quality, language by fastText lid.176), dedup and
 * write them as one text file, so the vocabulary and every training set see the same documents.
 * A document's blank lines are folded to single newlines so it stays one paragraph when read back.
 */
export function corpusStage(config: AdaptConfig): Stage {
  const settings = config.corpus;
  return {
    name: "corpus",
    description: "clean, filter and dedup the target-language text",
    settings: {
      language: config.language,
      maxDocuments: settings.maxDocuments,
      languageFilter: settings.languageFilter ?? true,
      languageThreshold: settings.languageThreshold ?? 0.5,
      minCharacters: settings.minCharacters ?? 20,
      dedup: settings.dedup ?? "exact",
    },
    after: [],
    inputs: settings.inputs,
    run: async ({ out, progress, log }) => {
      const started = performance.now();
      await mkdir(out, { recursive: true });
      const steps: PipelineStep[] = [cleanText, qualityFilter({ minCharacters: settings.minCharacters ?? 20 })];
      if (settings.languageFilter ?? true)
        steps.push(languageFilter({ languages: [config.language], threshold: settings.languageThreshold ?? 0.5, identify: await createLanguageIdentifier() }));
      if ((settings.dedup ?? "exact") === "exact") steps.push(exactDedup());
      const stats: Record<string, number> = { total: 0, kept: 0, characters: 0 };
      const problems = (reason: string) => (stats[reason] = (stats[reason] ?? 0) + 1);
      async function* kept(): AsyncGenerator<string> {
        for await (const input of readDocuments(settings.inputs, { onProblem: ({ reason }) => problems(reason) })) {
          if (settings.maxDocuments !== undefined && stats.total >= settings.maxDocuments) break;
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
          if (stats.total % PROGRESS_EVERY_DOCUMENTS === 0) {
            const seconds = (performance.now() - started) / 1000;
            progress({ type: "corpus-progress", documents: stats.total, kept: stats.kept, documentsPerSecond: stats.total / seconds });
          }
          if (dropped) {
            problems(`dropped_${dropped}`);
            continue;
          }
          stats.kept += 1;
          stats.characters += document.text.length;
          yield `${document.text.replace(/\n\s*\n/g, "\n")}\n\n`;
        }
      }
      await pipeline(Readable.from(kept()), createGzip(), createWriteStream(join(out, CORPUS_FILE)));
      const seconds = (performance.now() - started) / 1000;
      await writeFile(join(out, "stats.json"), `${JSON.stringify({ ...stats, seconds }, null, 2)}\n`);
      log(`stats: ${JSON.stringify(stats)}`);
      if (stats.kept === 0)
        throw new Error(
          `no document of ${stats.total} survived the filters (${JSON.stringify(stats)}); check corpus.inputs, language and corpus.languageThreshold`,
        );
      return stats;
    },
  };
}

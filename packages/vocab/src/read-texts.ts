import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { VocabularyInputError } from "./vocabulary-input-error.js";

/** A corpus: file paths (`.txt`, `.txt.gz`, one line at a time) or texts given directly. */
export type TextSource = string | { text: string };

/** Streams the lines of every source (memory bounded by one line). */
export async function* readTexts(sources: readonly TextSource[]): AsyncGenerator<string> {
  for (const source of sources) {
    if (typeof source !== "string") {
      yield source.text;
      continue;
    }
    if (!existsSync(source))
      throw new VocabularyInputError({ path: source, problem: "empty-corpus", message: "corpus file not found; pass existing .txt or .txt.gz files" });
    const stream = createReadStream(source);
    const input = source.endsWith(".gz") ? stream.pipe(createGunzip()) : stream;
    const lines = createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) yield line;
  }
}

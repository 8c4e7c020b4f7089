import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { VocabularyInputError } from "./vocabulary-input-error.js";

/** A corpus: file paths (`.txt`, `.txt.gz`, one line at a time) or texts given directly. */
export type TextSource = string | { text: string };

/**
 * Past this share of characters that text does not have (U+FFFD from invalid UTF-8, NUL and other
 * C0 controls but tab and form feed), a file is not text: a binary or UTF-16 file would otherwise
 * teach the tokenizer replacement-character tokens.
 */
export const MAX_NON_TEXT_SHARE = 0.01;
/** Characters read before the share is judged (a stray byte in a short file is not a verdict). */
export const NON_TEXT_SAMPLE_CHARACTERS = 4096;
// biome-ignore lint/suspicious/noControlCharactersInRegex: counting control characters is this pattern's purpose
const NON_TEXT = /[\u0000-\u0008\u000b\u000e-\u001f\ufffd]/gu;

/** Counts the characters of a file's lines that text does not have, and refuses a file that is not text. */
class TextCheck {
  private characters = 0;
  private bad = 0;
  private firstBadLine = 0;
  private line = 0;

  constructor(private readonly path: string) {}

  add(text: string): void {
    this.line += 1;
    this.characters += text.length + 1;
    const found = text.match(NON_TEXT)?.length ?? 0;
    if (found > 0 && this.firstBadLine === 0) this.firstBadLine = this.line;
    this.bad += found;
    if (this.characters >= NON_TEXT_SAMPLE_CHARACTERS) this.judge();
  }

  judge(): void {
    if (this.characters === 0 || this.bad / this.characters <= MAX_NON_TEXT_SHARE) return;
    throw new VocabularyInputError({
      path: this.path,
      problem: "not-text",
      message: `is not UTF-8 text: ${((100 * this.bad) / this.characters).toFixed(1)}% of the characters read are invalid UTF-8 or control characters (more than ${100 * MAX_NON_TEXT_SHARE}%), the first on line ${this.firstBadLine}; pass UTF-8 .txt or .txt.gz files (convert UTF-16 with iconv -f UTF-16 -t UTF-8)`,
    });
  }
}

/** Streams the lines of every source (memory bounded by one line); a file that is not text is refused. */
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
    const check = new TextCheck(source);
    for await (const line of lines) {
      check.add(line);
      yield line;
    }
    check.judge();
  }
}

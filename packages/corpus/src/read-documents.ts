import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { CorpusDocument } from "./corpus-document.js";
import { CorpusInputError } from "./corpus-input-error.js";

export interface ReadDocumentsOptions {
  /** `.txt`: a document per blank-line paragraph (default), per line, or per file. */
  textUnit?: "paragraph" | "line" | "file";
  /** `.jsonl`: the field holding the text (default `text`). */
  field?: string;
  /** Counts problems: malformed JSONL lines, lines without the field (first line numbers kept). */
  onProblem?: (problem: { reason: "malformed-json" | "missing-field"; source: string; line: number }) => void;
}

const SUPPORTED = /\.(txt|jsonl)(\.gz)?$/;

/** Files, directories (their supported files, sorted) — in a deterministic order. */
export function expandInputs(inputs: readonly string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new CorpusInputError({ path: input, message: "not found; pass .txt, .jsonl (optionally .gz) files or directories" });
    if (statSync(input).isDirectory()) {
      for (const name of readdirSync(input).sort()) if (SUPPORTED.test(name)) files.push(join(input, name));
    } else if (SUPPORTED.test(input)) files.push(input);
    else throw new CorpusInputError({ path: input, message: "unknown format; graft corpus reads .txt, .txt.gz, .jsonl, .jsonl.gz" });
  }
  return files;
}

async function* linesOf(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path);
  // Invalid UTF-8 becomes U+FFFD (readline decodes with the replacement character).
  const input = path.endsWith(".gz") ? stream.pipe(createGunzip()) : stream;
  yield* createInterface({ input, crlfDelay: Infinity });
}

/** Streams the documents of every input, in order. */
export async function* readDocuments(inputs: readonly string[], options: ReadDocumentsOptions = {}): AsyncGenerator<CorpusDocument> {
  const unit = options.textUnit ?? "paragraph";
  const field = options.field ?? "text";
  for (const source of expandInputs(inputs)) {
    let lineNumber = 0;
    if (/\.jsonl(\.gz)?$/.test(source)) {
      for await (const line of linesOf(source)) {
        lineNumber += 1;
        if (line.trim() === "") continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          options.onProblem?.({ reason: "malformed-json", source, line: lineNumber });
          continue;
        }
        const text = (record as Record<string, unknown>)?.[field];
        if (typeof text !== "string") {
          options.onProblem?.({ reason: "missing-field", source, line: lineNumber });
          continue;
        }
        yield { id: `${source}:${lineNumber}`, text, metadata: { source, line: lineNumber } };
      }
      continue;
    }
    let buffer: string[] = [];
    let startLine = 1;
    const flush = (): CorpusDocument | undefined => {
      const text = buffer.join("\n");
      buffer = [];
      return text.trim() === "" ? undefined : { id: `${source}:${startLine}`, text, metadata: { source, line: startLine } };
    };
    for await (const line of linesOf(source)) {
      lineNumber += 1;
      if (unit === "line") {
        if (line.trim() !== "") yield { id: `${source}:${lineNumber}`, text: line, metadata: { source, line: lineNumber } };
        continue;
      }
      if (unit === "paragraph" && line.trim() === "") {
        const document = flush();
        if (document) yield document;
        startLine = lineNumber + 1;
        continue;
      }
      if (buffer.length === 0) startLine = lineNumber;
      buffer.push(line);
    }
    const last = flush();
    if (last) yield last;
  }
}

import { statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { decompress } from "fzstd";
import { type Compressors, parquetMetadata, parquetReadObjects } from "hyparquet";
import type { CorpusDocument } from "./corpus-document.js";
import { expandInputs } from "./expand-inputs.js";
import { readDecompressed, readLines } from "./read-lines.js";

export { expandInputs } from "./expand-inputs.js";

/** Problems a reader counts (and skips, except `invalid-utf8`: the text is kept with U+FFFD). */
export type ReadProblem = "malformed-json" | "missing-field" | "invalid-utf8";

export interface ReadDocumentsOptions {
  /** `.txt`: a document per blank-line paragraph (default), per line, or per file. */
  textUnit?: "paragraph" | "line" | "file";
  /** `.jsonl` / `.parquet`: the field (column) holding the text (default `text`). */
  field?: string;
  /** Instruction pairs (`inscp-pair`): the question and answer fields; the text is both, a blank line apart. */
  pairFields?: { question: string; answer: string };
  /** Scale-out: this process reads slice `rank` of `worldSize` (whole files when there are enough, else every `worldSize`-th document). */
  rank?: number;
  worldSize?: number;
  /** Counts problems with where they are (first line numbers kept by the caller). */
  onProblem?: (problem: { reason: ReadProblem; source: string; line: number }) => void;
  /** Compressed bytes read so far over all of this slice's files, for progress. */
  onBytes?: (bytes: number) => void;
}

/** Rows of a Parquet file decoded at a time (memory stays bounded on large files). */
const PARQUET_ROWS_PER_READ = 4096;
const PARQUET_COMPRESSORS: Compressors = {
  ZSTD: (input) => decompress(input),
  GZIP: (input) => gunzipSync(input),
};

/** The files this rank reads, and whether it must also take every `worldSize`-th document. */
export function sliceInputs(files: readonly string[], rank: number, worldSize: number): { files: string[]; byDocument: boolean } {
  if (worldSize <= 1) return { files: [...files], byDocument: false };
  if (files.length >= worldSize) return { files: files.filter((_, index) => index % worldSize === rank), byDocument: false };
  return { files: [...files], byDocument: true };
}

interface RawRecord {
  text?: string;
  invalidUtf8?: boolean;
  pair?: { question: string; answer: string };
  line: number;
}

function fromRecord(record: unknown, options: ReadDocumentsOptions): Omit<RawRecord, "line"> | undefined {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return undefined;
  const fields = record as Record<string, unknown>;
  if (options.pairFields) {
    const question = fields[options.pairFields.question];
    const answer = fields[options.pairFields.answer];
    return typeof question === "string" && typeof answer === "string" ? { pair: { question, answer } } : undefined;
  }
  const text = fields[options.field ?? "text"];
  return typeof text === "string" ? { text } : undefined;
}

async function* jsonlRecords(source: string, options: ReadDocumentsOptions, onBytes: (bytes: number) => void): AsyncGenerator<RawRecord> {
  for await (const { text: line, line: number, validUtf8 } of readLines(source, onBytes)) {
    if (line.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      options.onProblem?.({ reason: "malformed-json", source, line: number });
      continue;
    }
    const content = fromRecord(record, options);
    if (!content) {
      options.onProblem?.({ reason: "missing-field", source, line: number });
      continue;
    }
    yield { ...content, line: number, invalidUtf8: !validUtf8 };
  }
}

async function* parquetRecords(source: string, options: ReadDocumentsOptions, onBytes: (bytes: number) => void): AsyncGenerator<RawRecord> {
  const bytes = await readDecompressed(source);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const rows = Number(metadata.num_rows);
  const columns = options.pairFields ? [options.pairFields.question, options.pairFields.answer] : [options.field ?? "text"];
  const known = new Set(metadata.schema.map((element) => element.name));
  const absent = columns.filter((column) => !known.has(column));
  for (let rowStart = 0; rowStart < rows; rowStart += PARQUET_ROWS_PER_READ) {
    const rowEnd = Math.min(rows, rowStart + PARQUET_ROWS_PER_READ);
    if (absent.length > 0) {
      for (let row = rowStart; row < rowEnd; row += 1) options.onProblem?.({ reason: "missing-field", source, line: row + 1 });
      continue;
    }
    const records = await parquetReadObjects({ file, metadata, columns, rowStart, rowEnd, compressors: PARQUET_COMPRESSORS });
    for (let index = 0; index < records.length; index += 1) {
      const content = fromRecord(records[index], options);
      if (!content) options.onProblem?.({ reason: "missing-field", source, line: rowStart + index + 1 });
      else yield { ...content, line: rowStart + index + 1 };
    }
    onBytes(Math.round((bytes.byteLength * rowEnd) / Math.max(1, rows)));
  }
}

async function* textRecords(source: string, options: ReadDocumentsOptions, onBytes: (bytes: number) => void): AsyncGenerator<RawRecord> {
  const unit = options.textUnit ?? "paragraph";
  let buffer: string[] = [];
  let startLine = 1;
  let invalid = false;
  const flush = (): RawRecord | undefined => {
    const text = buffer.join("\n");
    const invalidUtf8 = invalid;
    buffer = [];
    invalid = false;
    return text.trim() === "" ? undefined : { text, line: startLine, invalidUtf8 };
  };
  for await (const { text: line, line: number, validUtf8 } of readLines(source, onBytes)) {
    if (unit === "line") {
      if (line.trim() === "") continue;
      yield { text: line, line: number, invalidUtf8: !validUtf8 };
      continue;
    }
    if (unit === "paragraph" && line.trim() === "") {
      const record = flush();
      if (record) yield record;
      continue;
    }
    if (buffer.length === 0) startLine = number;
    if (!validUtf8) invalid = true;
    buffer.push(line);
  }
  const last = flush();
  if (last) yield last;
}

/**
 * Streams the documents of every input in a deterministic order: `.txt` (paragraph, line or
 * file), `.jsonl` (a field, or a question/answer pair), `.parquet` (a column), each optionally
 * `.gz`/`.zst`. Ids are `<file>:<line>` (Parquet: the 1-based row). Invalid UTF-8 becomes U+FFFD
 * and is counted; malformed JSON lines and records without the field are skipped and counted.
 */
export async function* readDocuments(inputs: readonly string[], options: ReadDocumentsOptions = {}): AsyncGenerator<CorpusDocument> {
  const rank = options.rank ?? 0;
  const worldSize = options.worldSize ?? 1;
  const { files, byDocument } = sliceInputs(expandInputs(inputs), rank, worldSize);
  let ordinal = 0;
  let finishedBytes = 0;
  // When every rank reads every file, skipped-record problems are counted once, by rank 0.
  const reading: ReadDocumentsOptions = byDocument && rank !== 0 ? { ...options, onProblem: undefined } : options;
  for (const source of files) {
    const size = statSync(source).size;
    const onBytes = (bytes: number) => options.onBytes?.(finishedBytes + Math.min(bytes, size));
    const records = /\.jsonl(\.gz|\.zst)?$/.test(source)
      ? jsonlRecords(source, reading, onBytes)
      : /\.parquet(\.gz|\.zst)?$/.test(source)
        ? parquetRecords(source, reading, onBytes)
        : textRecords(source, reading, onBytes);
    for await (const record of records) {
      ordinal += 1;
      if (byDocument && (ordinal - 1) % worldSize !== rank) continue;
      if (record.invalidUtf8) options.onProblem?.({ reason: "invalid-utf8", source, line: record.line });
      const metadata: CorpusDocument["metadata"] = { source, line: record.line };
      let text = record.text ?? "";
      if (record.pair) {
        text = `${record.pair.question}\n\n${record.pair.answer}`;
        metadata.question = record.pair.question;
        metadata.answer = record.pair.answer;
      }
      yield { id: `${source}:${record.line}`, text, metadata };
    }
    finishedBytes += size;
    options.onBytes?.(finishedBytes);
  }
}

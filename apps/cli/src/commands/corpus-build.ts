import { GraftError } from "@graft/errors";
import { buildCorpus, formatProgress, MANIFEST_FILE, STATS_FILE, type CorpusFormat } from "@graft/corpus";
import type { CommandDefinition } from "../command.js";

const FORMATS: readonly CorpusFormat[] = ["plain", "inscp-document", "inscp-pair"];
const DEDUP_MODES = ["exact", "minhash", "none"] as const;

function integer(values: Record<string, unknown>, name: string): number | undefined {
  if (values[name] === undefined) return undefined;
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 0) throw new GraftError({ name: "UsageError", message: `--${name} ${String(values[name])} must be a non-negative integer` });
  return value;
}

export const corpusBuildCommand: CommandDefinition = {
  name: "corpus build",
  summary: "build training shards from raw text: clean, filter, dedup, tokenize, pack (plain or InsCP-wrapped)",
  usage: "INPUT... --tokenizer DIR --seq-len N --out DIR [--lang ru] [--format plain|inscp-document|inscp-pair] [--dedup exact|minhash|none] [--workers N] [--rank R --world-size W]",
  description:
    "INPUT: .txt / .jsonl / .parquet files (each optionally .gz or .zst), directories of them, or globs (quote them).\n" +
    "Each document goes through Unicode NFC and control-character clean-up, Gopher-style length/letter-ratio/repeated-line\n" +
    "filters, fastText language ID (--lang), exact dedup (and MinHash-LSH near-dedup with --dedup minhash), each drop counted\n" +
    "by reason; it is tokenized on worker threads (plain: text + EOS; inscp-document: wrapped in the model's chat template as\n" +
    "InsCP does; inscp-pair: a question/answer pair from --pair-fields) and packed into rows of --seq-len. Output: .npy\n" +
    `token/mask/start shards, ${MANIFEST_FILE} and ${STATS_FILE} (docs/contracts.md). A killed build resumes from its last\n` +
    "shard when rerun with the same arguments (the partial build lives in .OUT.partial). Scale-out: run one process per\n" +
    "--rank of --world-size; for dedup across ranks run --dedup-pass signatures first and pass every rank's output to\n" +
    "--dedup-signatures.",
  allowPositionals: true,
  options: {
    tokenizer: { type: "string", placeholder: "DIR", description: "tokenizer or model directory" },
    "seq-len": { type: "string", placeholder: "N", description: "tokens per training sequence" },
    out: { type: "string", placeholder: "DIR", description: "output shard directory (written to a temporary sibling, then renamed)" },
    format: { type: "string", placeholder: "FORMAT", default: "plain", description: `sample format: ${FORMATS.join(", ")}` },
    model: { type: "string", placeholder: "DIR", description: "model whose chat template the inscp formats use (default: --tokenizer)" },
    "valid-fraction": { type: "string", placeholder: "F", default: "0.01", description: "share of documents (by a hash of their id) in the valid split" },
    lang: { type: "string", placeholder: "CODES", description: "keep documents fastText (lid.176) identifies as these languages, comma-separated ISO 639-1 (e.g. ru or ru,uk)" },
    "lang-threshold": { type: "string", placeholder: "P", default: "0.5", description: "minimum fastText probability for --lang" },
    dedup: { type: "string", placeholder: "MODE", default: "exact", description: "exact (normalised text hash), minhash (exact + MinHash-LSH near-duplicates) or none" },
    "near-threshold": { type: "string", placeholder: "J", description: "estimated Jaccard at or above which --dedup minhash drops a document (default 0.7)" },
    "text-unit": { type: "string", placeholder: "UNIT", default: "paragraph", description: ".txt documents: paragraph (blank-line separated), line, or file" },
    field: { type: "string", placeholder: "NAME", default: "text", description: ".jsonl field / .parquet column holding the text" },
    "pair-fields": { type: "string", placeholder: "Q,A", description: "inscp-pair: the question and answer fields, e.g. instruction,output" },
    "min-characters": { type: "string", placeholder: "N", default: "20", description: "shorter documents are dropped (too_short)" },
    "max-documents": { type: "string", placeholder: "N", description: "stop after reading N documents" },
    workers: { type: "string", placeholder: "N", description: "worker threads for clean-up, filters and tokenization (default: CPU count; 0: in-process)" },
    rank: { type: "string", placeholder: "R", description: "scale-out: build slice R (0-based) of --world-size" },
    "world-size": { type: "string", placeholder: "W", description: "scale-out: number of slices" },
    "dedup-pass": { type: "string", placeholder: "signatures", description: "cross-rank dedup pass one: write only this rank's dedup signatures" },
    "dedup-signatures": { type: "string", placeholder: "DIRS", description: "cross-rank dedup pass two: comma-separated signature directories of every rank" },
    "no-resume": { type: "boolean", description: "start over instead of resuming a partial build" },
    overwrite: { type: "boolean", description: "replace an existing --out directory" },
  },
  examples: [
    "graft corpus build data/ru-train.txt.gz --lang ru --tokenizer models/llama-3-8b --seq-len 2048 --out runs/ru-shards",
    "graft corpus build texts/ --format inscp-document --model models/llama-3-8b-instruct --tokenizer models/llama-3-8b-instruct --seq-len 1024 --out runs/ru-inscp --json",
    "graft corpus build 'crawl/**/*.jsonl.zst' --dedup minhash --workers 16 --rank 0 --world-size 4 --tokenizer models/qwen2.5-7b --seq-len 4096 --out runs/ru-0",
  ],
  async run({ values, positionals }, context) {
    const missing = ["tokenizer", "seq-len", "out"].filter((name) => !values[name]);
    if (positionals.length === 0) missing.push("INPUT");
    if (missing.length > 0) throw new GraftError({ name: "UsageError", message: `missing ${missing.map((name) => (name === "INPUT" ? name : `--${name}`)).join(", ")}; see graft corpus build --help` });
    const format = String(values.format ?? "plain") as CorpusFormat;
    if (!FORMATS.includes(format)) throw new GraftError({ name: "UsageError", message: `--format ${format} is not one of ${FORMATS.join(", ")}` });
    const dedup = String(values.dedup ?? "exact") as (typeof DEDUP_MODES)[number];
    if (!DEDUP_MODES.includes(dedup)) throw new GraftError({ name: "UsageError", message: `--dedup ${dedup} is not one of ${DEDUP_MODES.join(", ")}` });
    const textUnit = String(values["text-unit"] ?? "paragraph");
    if (!["paragraph", "line", "file"].includes(textUnit)) throw new GraftError({ name: "UsageError", message: `--text-unit ${textUnit} is not one of paragraph, line, file` });
    let pairFields: { question: string; answer: string } | undefined;
    if (values["pair-fields"] !== undefined) {
      const [question, answer, ...rest] = String(values["pair-fields"]).split(",").map((field) => field.trim());
      if (!question || !answer || rest.length > 0) throw new GraftError({ name: "UsageError", message: `--pair-fields ${String(values["pair-fields"])} must be two field names, QUESTION,ANSWER (e.g. instruction,output)` });
      pairFields = { question, answer };
    }
    const dedupPass = values["dedup-pass"] === undefined ? undefined : String(values["dedup-pass"]);
    if (dedupPass !== undefined && dedupPass !== "signatures") throw new GraftError({ name: "UsageError", message: `--dedup-pass ${dedupPass}: the only pass is signatures` });
    const write = (line: string) => context.stdout.write(`${line}\n`);
    const { manifest, stats } = await buildCorpus({
      inputs: positionals,
      tokenizer: String(values.tokenizer),
      sequenceLength: Number(values["seq-len"]),
      out: String(values.out),
      format,
      model: values.model ? String(values.model) : undefined,
      validFraction: Number(values["valid-fraction"] ?? "0.01"),
      languages: values.lang ? String(values.lang).split(",").map((code) => code.trim()).filter(Boolean) : undefined,
      languageThreshold: Number(values["lang-threshold"] ?? "0.5"),
      dedup,
      nearDuplicateThreshold: values["near-threshold"] === undefined ? undefined : Number(values["near-threshold"]),
      quality: { minCharacters: Number(values["min-characters"] ?? "20") },
      read: { textUnit: textUnit as "paragraph" | "line" | "file", field: String(values.field ?? "text"), pairFields },
      maxDocuments: integer(values, "max-documents"),
      workers: integer(values, "workers"),
      rank: integer(values, "rank"),
      worldSize: integer(values, "world-size"),
      dedupPass: dedupPass as "signatures" | undefined,
      dedupSignatures: values["dedup-signatures"] ? String(values["dedup-signatures"]).split(",").filter(Boolean) : undefined,
      resume: values["no-resume"] !== true,
      overwrite: values.overwrite === true,
      onEvent: (event) => {
        if (context.json) write(JSON.stringify(event));
        else if (event.type === "progress") write(formatProgress(event));
        else if (event.type === "resume") write(`resuming a partial build: ${event.documents} documents and ${event.shards} shards already done`);
      },
    });
    if (context.json) write(JSON.stringify({ type: "done", manifest, stats }));
    else if (manifest.format === "graft-dedup-signatures") write(`wrote ${String(values.out)}: dedup signatures of ${String(manifest.documents)} documents (pass them to --dedup-signatures)`);
    else {
      const splits = manifest.splits as Record<string, { sequences: number; tokens: number }>;
      write(`stats: ${Object.entries(stats).filter(([, value]) => typeof value === "number").map(([key, value]) => `${key}=${value}`).join(" ")}`);
      write(`wrote ${String(values.out)}: train ${splits.train.sequences} sequences, valid ${splits.valid.sequences} sequences of ${String(values["seq-len"])} tokens`);
    }
    return 0;
  },
};

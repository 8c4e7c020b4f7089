import { buildCorpus, type CorpusFormat, formatProgress, MANIFEST_FILE, STATS_FILE } from "@graft/corpus";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

const FORMATS: readonly CorpusFormat[] = ["plain", "inscp-document", "inscp-pair"];
const DEDUP_MODES = ["exact", "minhash", "none"] as const;
const TEXT_UNITS = ["paragraph", "line", "file"] as const;
const DEDUP_PASSES = ["signatures"] as const;

/** An empty list (`--lang ""`) means the option was not given. */
function nonEmpty(list: string[] | undefined): string[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

export const corpusBuildCommand: CommandDefinition = {
  name: "corpus build",
  summary: "build training shards from raw text: clean, filter, dedup, tokenize, pack (plain or InsCP-wrapped)",
  usage:
    "INPUT... --tokenizer DIR --seq-len N --out DIR [--lang ru] [--format plain|inscp-document|inscp-pair] [--dedup exact|minhash|none] [--workers N] [--rank R --world-size W]",
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
    "seq-len": { type: "string", placeholder: "N", description: "tokens per training sequence (2 or more)" },
    out: { type: "string", placeholder: "DIR", description: "output shard directory (written to a temporary sibling, then renamed)" },
    format: { type: "string", placeholder: "FORMAT", default: "plain", description: `sample format: ${FORMATS.join(", ")}` },
    model: { type: "string", placeholder: "DIR", description: "model whose chat template the inscp formats use (default: --tokenizer)" },
    "valid-fraction": {
      type: "string",
      placeholder: "F",
      default: "0.01",
      description: "share of documents (by a hash of their id) in the valid split, 0 to 1",
    },
    lang: {
      type: "string",
      placeholder: "CODES",
      description: "keep documents fastText (lid.176) identifies as these languages, comma-separated ISO 639-1 (e.g. ru or ru,uk)",
    },
    "lang-threshold": { type: "string", placeholder: "P", default: "0.5", description: "minimum fastText probability for --lang, 0 to 1" },
    dedup: {
      type: "string",
      placeholder: "MODE",
      default: "exact",
      description: "exact (normalised text hash), minhash (exact + MinHash-LSH near-duplicates) or none",
    },
    "near-threshold": {
      type: "string",
      placeholder: "J",
      description: "estimated Jaccard, 0 to 1, at or above which --dedup minhash drops a document (default 0.7)",
    },
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
    const options = new OptionReader("corpus build", { ...values, INPUT: positionals });
    options.require("tokenizer", "seq-len", "out", "INPUT");
    const sequenceLength = options.integer("seq-len", { min: 2 }) as number;
    const format = options.choice("format", FORMATS) ?? "plain";
    const dedup = options.choice("dedup", DEDUP_MODES) ?? "exact";
    const textUnit = options.choice("text-unit", TEXT_UNITS) ?? "paragraph";
    const validFraction = options.number("valid-fraction", { min: 0, max: 1 }) ?? 0.01;
    const languageThreshold = options.number("lang-threshold", { min: 0, max: 1 }) ?? 0.5;
    const nearDuplicateThreshold = options.number("near-threshold", { min: 0, max: 1 });
    const minCharacters = options.integer("min-characters", { min: 0 }) ?? 20;
    const maxDocuments = options.integer("max-documents", { min: 1 });
    const workers = options.integer("workers", { min: 0 });
    const rank = options.integer("rank", { min: 0 });
    const worldSize = options.integer("world-size", { min: 1 });
    if ((rank ?? 0) >= (worldSize ?? 1))
      throw options.error(
        `--rank must be below --world-size (ranks count from 0), got --rank ${rank}${worldSize === undefined ? " without --world-size" : ` --world-size ${worldSize}`}`,
      );
    let pairFields: { question: string; answer: string } | undefined;
    const pairFieldsText = options.string("pair-fields");
    if (pairFieldsText !== undefined) {
      const [question, answer, ...rest] = pairFieldsText.split(",").map((field) => field.trim());
      if (!question || !answer || rest.length > 0)
        throw options.error(`--pair-fields must be two field names, QUESTION,ANSWER (e.g. instruction,output), got ${JSON.stringify(pairFieldsText)}`);
      pairFields = { question, answer };
    }
    if (format === "inscp-pair" && !pairFields) throw options.error("--format inscp-pair needs --pair-fields QUESTION,ANSWER (e.g. instruction,output)");
    const dedupPass = options.choice("dedup-pass", DEDUP_PASSES);
    const out = options.requiredString("out");
    const write = (line: string) => context.stdout.write(`${line}\n`);
    const { manifest, stats } = await buildCorpus({
      inputs: options.strings("INPUT"),
      tokenizer: options.requiredString("tokenizer"),
      sequenceLength,
      out,
      format,
      model: options.string("model") || undefined,
      validFraction,
      languages: nonEmpty(options.list("lang")),
      languageThreshold,
      dedup,
      nearDuplicateThreshold,
      quality: { minCharacters },
      read: { textUnit, field: options.string("field") ?? "text", pairFields },
      maxDocuments,
      workers,
      rank,
      worldSize,
      dedupPass,
      dedupSignatures: nonEmpty(options.list("dedup-signatures")),
      resume: !options.flag("no-resume"),
      overwrite: options.flag("overwrite"),
      onEvent: (event) => {
        if (context.json) write(JSON.stringify(event));
        else if (event.type === "progress") write(formatProgress(event));
        else if (event.type === "resume") write(`resuming a partial build: ${event.documents} documents and ${event.shards} shards already done`);
      },
    });
    if (context.json) write(JSON.stringify({ type: "done", manifest, stats }));
    else if (manifest.format === "graft-dedup-signatures")
      write(`wrote ${out}: dedup signatures of ${String(manifest.documents)} documents (pass them to --dedup-signatures)`);
    else {
      const splits = manifest.splits as Record<string, { sequences: number; tokens: number }>;
      write(
        `stats: ${Object.entries(stats)
          .filter(([, value]) => typeof value === "number")
          .map(([key, value]) => `${key}=${value}`)
          .join(" ")}`,
      );
      write(`wrote ${out}: train ${splits.train.sequences} sequences, valid ${splits.valid.sequences} sequences of ${sequenceLength} tokens`);
    }
    return 0;
  },
};

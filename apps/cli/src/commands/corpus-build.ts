import { GraftError } from "@graft/hf";
import { buildCorpus, MANIFEST_FILE, STATS_FILE, type CorpusFormat } from "@graft/corpus";
import type { CommandDefinition } from "../command.js";

const FORMATS: readonly CorpusFormat[] = ["plain", "inscp-document"];

export const corpusBuildCommand: CommandDefinition = {
  name: "corpus build",
  summary: "build training shards from raw text: clean, filter, dedup, tokenize, pack (plain or InsCP-wrapped)",
  usage: "INPUT... --tokenizer DIR --seq-len N --out DIR [--lang ru] [--format plain|inscp-document] [--model DIR] [--valid-fraction F] [--dedup exact|none]",
  description:
    "INPUT: .txt / .jsonl files (optionally .gz) or directories of them. Each document goes through Unicode NFC and\n" +
    "control-character clean-up, Gopher-style length/letter-ratio/repeated-line filters and exact dedup (each drop counted by\n" +
    "reason), is tokenized (plain: text + EOS; inscp-document: wrapped in the model's chat template as InsCP does) and packed\n" +
    `into rows of --seq-len. Output: .npy token/mask/start shards, ${MANIFEST_FILE} and ${STATS_FILE} (docs/contracts.md).`,
  allowPositionals: true,
  options: {
    tokenizer: { type: "string", placeholder: "DIR", description: "tokenizer or model directory" },
    "seq-len": { type: "string", placeholder: "N", description: "tokens per training sequence" },
    out: { type: "string", placeholder: "DIR", description: "output shard directory (written to a temporary sibling, then renamed)" },
    format: { type: "string", placeholder: "FORMAT", default: "plain", description: `sample format: ${FORMATS.join(", ")}` },
    model: { type: "string", placeholder: "DIR", description: "model whose chat template inscp-document uses (default: --tokenizer)" },
    "valid-fraction": { type: "string", placeholder: "F", default: "0.01", description: "share of documents (by a hash of their id) in the valid split" },
    lang: { type: "string", placeholder: "CODES", description: "keep documents fastText (lid.176) identifies as these languages, comma-separated ISO 639-1 (e.g. ru or ru,uk)" },
    "lang-threshold": { type: "string", placeholder: "P", default: "0.5", description: "minimum fastText probability for --lang" },
    dedup: { type: "string", placeholder: "MODE", default: "exact", description: "exact (normalised text hash) or none" },
    "text-unit": { type: "string", placeholder: "UNIT", default: "paragraph", description: ".txt documents: paragraph (blank-line separated), line, or file" },
    field: { type: "string", placeholder: "NAME", default: "text", description: ".jsonl field holding the text" },
    "min-characters": { type: "string", placeholder: "N", default: "20", description: "shorter documents are dropped (too_short)" },
    overwrite: { type: "boolean", description: "replace an existing --out directory" },
  },
  examples: [
    "graft corpus build data/ru-train.txt.gz --lang ru --tokenizer models/llama-3-8b --seq-len 2048 --out runs/ru-shards",
    "graft corpus build texts/ --format inscp-document --model models/llama-3-8b-instruct --tokenizer models/llama-3-8b-instruct --seq-len 1024 --out runs/ru-inscp --json",
  ],
  async run({ values, positionals }, context) {
    const missing = ["tokenizer", "seq-len", "out"].filter((name) => !values[name]);
    if (positionals.length === 0) missing.push("INPUT");
    if (missing.length > 0) throw new GraftError({ name: "UsageError", message: `missing ${missing.map((name) => (name === "INPUT" ? name : `--${name}`)).join(", ")}; see graft corpus build --help` });
    const format = String(values.format ?? "plain") as CorpusFormat;
    if (!FORMATS.includes(format)) throw new GraftError({ name: "UsageError", message: `--format ${format} is not one of ${FORMATS.join(", ")}` });
    const dedup = String(values.dedup ?? "exact");
    if (dedup !== "exact" && dedup !== "none") throw new GraftError({ name: "UsageError", message: `--dedup ${dedup} is not one of exact, none` });
    const textUnit = String(values["text-unit"] ?? "paragraph");
    if (!["paragraph", "line", "file"].includes(textUnit)) throw new GraftError({ name: "UsageError", message: `--text-unit ${textUnit} is not one of paragraph, line, file` });
    const write = (line: string) => context.stdout.write(`${line}\n`);
    const { manifest, stats } = await buildCorpus({
      inputs: positionals,
      tokenizer: String(values.tokenizer),
      seqLen: Number(values["seq-len"]),
      out: String(values.out),
      format,
      model: values.model ? String(values.model) : undefined,
      validFraction: Number(values["valid-fraction"] ?? "0.01"),
      languages: values.lang ? String(values.lang).split(",").map((code) => code.trim()).filter(Boolean) : undefined,
      languageThreshold: Number(values["lang-threshold"] ?? "0.5"),
      dedup,
      quality: { minCharacters: Number(values["min-characters"] ?? "20") },
      read: { textUnit: textUnit as "paragraph" | "line" | "file", field: String(values.field ?? "text") },
      overwrite: values.overwrite === true,
      onEvent: (event) => {
        if (context.json) write(JSON.stringify(event));
        else write(`${event.documents} documents (${event.forwarded} kept), ${event.megabytes.toFixed(1)} MB, ${event.megabytesPerSecond.toFixed(2)} MB/s`);
      },
    });
    if (context.json) write(JSON.stringify({ type: "done", manifest, stats }));
    else {
      const splits = manifest.splits as Record<string, { sequences: number; tokens: number }>;
      write(`stats: ${Object.entries(stats).filter(([, value]) => typeof value === "number").map(([key, value]) => `${key}=${value}`).join(" ")}`);
      write(`wrote ${String(values.out)}: train ${splits.train.sequences} sequences, valid ${splits.valid.sequences} sequences of ${String(values["seq-len"])} tokens`);
    }
    return 0;
  },
};

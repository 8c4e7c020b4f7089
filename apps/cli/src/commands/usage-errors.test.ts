// Every command refuses a wrongly called option the same way: exit 2, `UsageError: <rule>; see graft
// <command> --help`, no stack trace, nothing written, and under --json exactly one error line on
// stdout. The inputs are cheap and mostly do not exist: each check fails before any work would start.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { EXAMPLE_CONFIG } from "@graft/adapt";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandDefinition } from "../command.js";
import { graft } from "../testing/run-graft.js";
import * as registry from "./index.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

/** A config every path of which exists (as empty files), so `graft adapt` gets as far as its stage options. */
const adaptConfig = join(work.path, "adapt", "graft-adapt.yaml");
/** Where that config's stages would write. */
const adaptOut = join(work.path, "adapt", "runs");
beforeAll(() => {
  const root = dirname(adaptConfig);
  const files = [
    "models/llama-3-8b/config.json",
    "models/llama-3-8b/tokenizer.json",
    "models/llama-3-8b-instruct/config.json",
    "models/llama-3-8b-instruct/tokenizer.json",
  ];
  files.push(
    ...["ru-train.txt.gz", "ru-heldout.txt.gz", "en-heldout.txt.gz", "prompts-ru.jsonl", "prompts-en.jsonl", "tasks-ru-translation.jsonl"].map(
      (name) => `data/${name}`,
    ),
  );
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), "");
  }
  writeFileSync(adaptConfig, EXAMPLE_CONFIG);
});

interface UsageCase {
  label: string;
  /** The arguments after the command's name; `out` is a path that must still not exist afterwards. */
  argv: (out: string) => string[];
  /** The message before `; see graft <command> --help`. */
  message: string | RegExp;
}

/** The kinds every command is checked for; `null`: the command has no option of that kind. */
interface CommandCases {
  missing: UsageCase | null;
  notANumber: UsageCase | null;
  outOfRange: UsageCase | null;
  unknownChoice: UsageCase | null;
  more?: UsageCase[];
}

const CASES: Record<string, CommandCases> = {
  adapt: {
    missing: { label: "no --config", argv: () => ["--dry-run"], message: "missing --config FILE (or --init [FILE] to write an example)" },
    notANumber: null,
    outOfRange: null,
    unknownChoice: {
      label: "--from a stage the config does not have",
      argv: () => ["--config", adaptConfig, "--from", "nope"],
      message:
        '--from must be one of corpus, vocab, init, shards-embeddings, embeddings, lep, shards-inscp-instruct, inscp-instruct, shards-inscp-lep, inscp-lep, eval, got "nope"',
    },
    more: [
      {
        label: "--until a stage the config does not have",
        argv: () => ["--config", adaptConfig, "--until", "lepp", "--dry-run"],
        message: /^--until must be one of corpus, .*, got "lepp"$/,
      },
      { label: "a config given as an argument", argv: () => [adaptConfig], message: `unexpected argument ${adaptConfig}; the config goes after --config` },
      { label: "--init onto an existing file", argv: () => ["--init", adaptConfig], message: `${adaptConfig} exists; choose another file name or remove it` },
      {
        label: "--instruct-only without --init",
        argv: () => ["--config", adaptConfig, "--instruct-only"],
        message: "--instruct-only goes with --init (a config is instruct-only when it has no base)",
      },
    ],
  },
  "corpus build": {
    missing: { label: "no --tokenizer", argv: (out) => ["in.txt", "--seq-len", "8", "--out", out], message: "missing --tokenizer" },
    notANumber: {
      label: "--seq-len abc",
      argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "abc", "--out", out],
      message: '--seq-len must be a whole number >= 2, got "abc"',
    },
    outOfRange: {
      label: "--seq-len 1",
      argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "1", "--out", out],
      message: '--seq-len must be a whole number >= 2, got "1"',
    },
    unknownChoice: {
      label: "--dedup fuzzy",
      argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "8", "--dedup", "fuzzy", "--out", out],
      message: '--dedup must be one of exact, minhash, none, got "fuzzy"',
    },
    more: [
      { label: "no INPUT", argv: (out) => ["--tokenizer", "t", "--seq-len", "8", "--out", out], message: "missing INPUT" },
      {
        label: "--valid-fraction 1.5",
        argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "8", "--valid-fraction", "1.5", "--out", out],
        message: '--valid-fraction must be a number >= 0 and <= 1, got "1.5"',
      },
      {
        label: "--lang-threshold 2",
        argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "8", "--lang-threshold", "2", "--out", out],
        message: '--lang-threshold must be a number >= 0 and <= 1, got "2"',
      },
      {
        label: "--workers -1",
        argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "8", "--workers", "-1", "--out", out],
        message: '--workers must be a whole number >= 0, got "-1"',
      },
      {
        label: "--workers 1.5",
        argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "8", "--workers", "1.5", "--out", out],
        message: '--workers must be a whole number >= 0, got "1.5"',
      },
      {
        label: "--rank at --world-size",
        argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "8", "--rank", "2", "--world-size", "2", "--out", out],
        message: "--rank must be below --world-size (ranks count from 0), got --rank 2 --world-size 2",
      },
      {
        label: "--format inscp-pair without --pair-fields",
        argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "8", "--format", "inscp-pair", "--out", out],
        message: "--format inscp-pair needs --pair-fields QUESTION,ANSWER (e.g. instruction,output)",
      },
      {
        label: "--text-unit sentence",
        argv: (out) => ["in.txt", "--tokenizer", "t", "--seq-len", "8", "--text-unit", "sentence", "--out", out],
        message: '--text-unit must be one of paragraph, line, file, got "sentence"',
      },
    ],
  },
  "corpus merge": {
    missing: { label: "no RANK_DIR", argv: (out) => ["--out", out], message: "missing RANK_DIR" },
    notANumber: null,
    outOfRange: null,
    unknownChoice: null,
  },
  doctor: {
    missing: null,
    notANumber: null,
    outOfRange: null,
    unknownChoice: null,
    more: [{ label: "an argument", argv: () => ["extra"], message: /^Unexpected argument 'extra'/ }],
  },
  "report table": {
    missing: { label: "no --report", argv: () => [], message: "missing --report" },
    notANumber: null,
    outOfRange: null,
    unknownChoice: {
      label: "--format csv",
      argv: (out) => ["--report", join(out, "report.json"), "--format", "csv"],
      message: '--format must be one of markdown, got "csv"',
    },
  },
  eval: {
    missing: { label: "no --lang", argv: (out) => ["--model", "m", "--heldout", "h.txt", "--out", out], message: "missing --lang" },
    notANumber: {
      label: "--threads many",
      argv: (out) => ["--model", "m", "--lang", "ru", "--heldout", "h.txt", "--threads", "many", "--out", out],
      message: '--threads must be a whole number >= 1, got "many"',
    },
    outOfRange: {
      label: "--speed-tokens 0",
      argv: (out) => ["--model", "m", "--lang", "ru", "--heldout", "h.txt", "--speed-tokens", "0", "--out", out],
      message: '--speed-tokens must be a whole number >= 1, got "0"',
    },
    unknownChoice: {
      label: "--backend tensorrt",
      argv: (out) => ["--model", "m", "--lang", "ru", "--heldout", "h.txt", "--backend", "tensorrt", "--out", out],
      message: '--backend must be one of onnx, python, got "tensorrt"',
    },
    more: [
      {
        label: "--dtype int8",
        argv: (out) => ["--model", "m", "--lang", "ru", "--heldout", "h.txt", "--backend", "python", "--dtype", "int8", "--out", out],
        message: '--dtype must be one of float32, bfloat16, float16, got "int8"',
      },
      {
        label: "--device with the ONNX backend",
        argv: (out) => ["--model", "m", "--lang", "ru", "--heldout", "h.txt", "--device", "cuda", "--out", out],
        message: "--device and --dtype apply to --backend python (the ONNX backend runs float32 on the CPU)",
      },
      {
        label: "--batch-size 0",
        argv: (out) => ["--model", "m", "--lang", "ru", "--heldout", "h.txt", "--batch-size", "0", "--out", out],
        message: '--batch-size must be a whole number >= 1, got "0"',
      },
    ],
  },
  "export gguf": {
    missing: { label: "no --model", argv: (out) => ["--out", out], message: "missing --model" },
    notANumber: null,
    outOfRange: null,
    unknownChoice: {
      label: "--type q4_0",
      argv: (out) => ["--model", "m", "--type", "q4_0", "--out", out],
      message: '--type must be one of f32, f16, bf16, q8_0, got "q4_0"',
    },
  },
  "export onnx": {
    missing: { label: "no --model", argv: (out) => ["--out", out], message: "missing --model" },
    notANumber: null,
    outOfRange: null,
    unknownChoice: {
      label: "--operators tensorrt",
      argv: (out) => ["--model", "m", "--operators", "tensorrt", "--out", out],
      message: '--operators must be one of standard, ort-contrib, got "tensorrt"',
    },
  },
  "import gguf": {
    missing: { label: "no FILE", argv: (out) => ["--out", out], message: "missing FILE" },
    notANumber: null,
    outOfRange: null,
    unknownChoice: { label: "--dtype f16", argv: (out) => ["m.gguf", "--dtype", "f16", "--out", out], message: '--dtype must be one of bf16, f32, got "f16"' },
    more: [{ label: "two FILEs", argv: (out) => ["a.gguf", "b.gguf", "--out", out], message: "takes one FILE, got 2: a.gguf b.gguf" }],
  },
  lep: {
    missing: { label: "no --instruct, --donor", argv: (out) => ["--base", "b", "--out", out], message: "missing --instruct, --donor" },
    notANumber: {
      label: "--ridge abc",
      argv: (out) => ["--base", "b", "--instruct", "i", "--donor", "d", "--ridge", "abc", "--out", out],
      message: '--ridge must be a number >= 0, got "abc"',
    },
    outOfRange: {
      label: "--ridge -1",
      argv: (out) => ["--base", "b", "--instruct", "i", "--donor", "d", "--ridge", "-1", "--out", out],
      message: '--ridge must be a number >= 0, got "-1"',
    },
    unknownChoice: {
      label: "--mode mirror",
      argv: (out) => ["--base", "b", "--instruct", "i", "--donor", "d", "--mode", "mirror", "--out", out],
      message: '--mode must be one of conversion, overlap, swap, got "mirror"',
    },
    more: [
      {
        label: "--ridge=-1",
        argv: (out) => ["--base", "b", "--instruct", "i", "--donor", "d", "--ridge=-1", "--out", out],
        message: '--ridge must be a number >= 0, got "-1"',
      },
      {
        label: "--ridge -Infinity",
        argv: (out) => ["--base", "b", "--instruct", "i", "--donor", "d", "--ridge", "-Infinity", "--out", out],
        message: '--ridge must be a number >= 0, got "-Infinity"',
      },
      {
        label: "--threads 0",
        argv: (out) => ["--base", "b", "--instruct", "i", "--donor", "d", "--threads", "0", "--out", out],
        message: '--threads must be a whole number >= 1, got "0"',
      },
      {
        label: "--engine gpu",
        argv: (out) => ["--base", "b", "--instruct", "i", "--donor", "d", "--engine", "gpu", "--out", out],
        message: '--engine must be one of onnxruntime, javascript, got "gpu"',
      },
    ],
  },
  "tags render": {
    missing: { label: "no --input", argv: (out) => ["--model", "m", "--out", out], message: "missing --input" },
    notANumber: {
      label: "--max-length long",
      argv: (out) => ["--model", "m", "--input", "in.jsonl", "--max-length", "long", "--out", out],
      message: '--max-length must be a whole number >= 1, got "long"',
    },
    outOfRange: {
      label: "--show -2",
      argv: (out) => ["--model", "m", "--input", "in.jsonl", "--show", "-2", "--out", out],
      message: '--show must be a whole number >= 0, got "-2"',
    },
    unknownChoice: {
      label: "--mask none",
      argv: (out) => ["--model", "m", "--input", "in.jsonl", "--mask", "none", "--out", out],
      message: '--mask must be one of all, assistant, got "none"',
    },
    more: [
      {
        label: "--on-error ignore",
        argv: (out) => ["--model", "m", "--input", "in.jsonl", "--on-error", "ignore", "--out", out],
        message: '--on-error must be one of skip, stop, got "ignore"',
      },
      {
        label: "--format markdown",
        argv: (out) => ["--model", "m", "--input", "in.jsonl", "--format", "markdown", "--out", out],
        message: '--format must be one of inscp-document, inscp-pair, conversation, plain, got "markdown"',
      },
    ],
  },
  train: {
    missing: { label: "no --data, --mode (and no --job)", argv: (out) => ["--model", "m", "--out", out], message: "missing --data, --mode" },
    notANumber: {
      label: "--learning-rate fast",
      argv: (out) => ["--model", "m", "--data", "d", "--mode", "full", "--learning-rate", "fast", "--out", out],
      message: '--learning-rate must be a number > 0, got "fast"',
    },
    outOfRange: {
      label: "--learning-rate 0",
      argv: (out) => ["--model", "m", "--data", "d", "--mode", "full", "--learning-rate", "0", "--out", out],
      message: '--learning-rate must be a number > 0, got "0"',
    },
    unknownChoice: {
      label: "--mode half",
      argv: (out) => ["--model", "m", "--data", "d", "--mode", "half", "--out", out],
      message: '--mode must be one of embeddings, full, lora, got "half"',
    },
    more: [
      {
        label: "--batch-size 0",
        argv: (out) => ["--model", "m", "--data", "d", "--mode", "full", "--batch-size", "0", "--out", out],
        message: '--batch-size must be a whole number >= 1, got "0"',
      },
      {
        label: "--weight-decay -0.1",
        argv: (out) => ["--model", "m", "--data", "d", "--mode", "full", "--weight-decay", "-0.1", "--out", out],
        message: '--weight-decay must be a number >= 0, got "-0.1"',
      },
      {
        label: "--processes 0",
        argv: (out) => ["--model", "m", "--data", "d", "--mode", "full", "--processes", "0", "--out", out],
        message: '--processes must be a whole number >= 1, got "0"',
      },
      {
        label: "--nodes two",
        argv: (out) => ["--job", "job.json", "--slurm-script", `${out}.sbatch`, "--nodes", "two"],
        message: '--nodes must be a whole number >= 1, got "two"',
      },
    ],
  },
  "vocab extend": {
    missing: { label: "no --add, --corpus", argv: (out) => ["--base", "b", "--out", out], message: "missing --add, --corpus" },
    notANumber: {
      label: "--add many",
      argv: (out) => ["--base", "b", "--corpus", "c.txt", "--add", "many", "--out", out],
      message: '--add must be a whole number >= 1, got "many"',
    },
    outOfRange: {
      label: "--min-frequency 0",
      argv: (out) => ["--base", "b", "--corpus", "c.txt", "--add", "10", "--min-frequency", "0", "--out", out],
      message: '--min-frequency must be a whole number >= 1, got "0"',
    },
    unknownChoice: {
      label: "--merge-order middle",
      argv: (out) => ["--base", "b", "--corpus", "c.txt", "--add", "10", "--merge-order", "middle", "--out", out],
      message: '--merge-order must be one of append, prepend, got "middle"',
    },
    more: [
      { label: "--replace without --corpus", argv: (out) => ["--replace", "--base", "b", "--out", out], message: "missing --corpus" },
      {
        label: "--replace --vocab-size 0",
        argv: (out) => ["--replace", "--base", "b", "--corpus", "c.txt", "--vocab-size", "0", "--out", out],
        message: '--vocab-size must be a whole number >= 1, got "0"',
      },
      {
        label: "--script Klingon",
        argv: (out) => ["--base", "b", "--corpus", "c.txt", "--add", "10", "--script", "Klingon", "--out", out],
        message: '--script must be a Unicode script name such as Cyrillic, Latin, Han or Thai, got "Klingon"',
      },
    ],
  },
  "vocab init": {
    missing: { label: "no --tokenizer", argv: (out) => ["--model", "m", "--out", out], message: "missing --tokenizer" },
    notANumber: {
      label: "--pad-to-multiple-of x",
      argv: (out) => ["--model", "m", "--tokenizer", "t", "--pad-to-multiple-of", "x", "--out", out],
      message: '--pad-to-multiple-of must be a whole number >= 1, got "x"',
    },
    outOfRange: {
      label: "--pad-to-multiple-of 0",
      argv: (out) => ["--model", "m", "--tokenizer", "t", "--pad-to-multiple-of", "0", "--out", out],
      message: '--pad-to-multiple-of must be a whole number >= 1, got "0"',
    },
    unknownChoice: {
      label: "--method magic",
      argv: (out) => ["--model", "m", "--tokenizer", "t", "--method", "magic", "--out", out],
      message: '--method must be one of mean, merge-tree, got "magic"',
    },
  },
  "vocab stats": {
    missing: { label: "no --text", argv: () => ["--tokenizer", "t"], message: "missing --text" },
    notANumber: null,
    outOfRange: null,
    unknownChoice: null,
  },
};

const commands = Object.values(registry) as CommandDefinition[];
const KINDS = ["missing", "notANumber", "outOfRange", "unknownChoice"] as const;

/** Every case of every command, and one for an option the command does not have. */
const rows = commands
  .flatMap((command) => {
    const cases = CASES[command.name];
    const listed = cases ? [...KINDS.map((kind) => cases[kind]), ...(cases.more ?? [])].filter((testCase): testCase is UsageCase => testCase !== null) : [];
    const unknownOption: UsageCase = { label: "an unknown option", argv: () => ["--no-such-option"], message: /^Unknown option '--no-such-option'/ };
    return [...listed, unknownOption].map((testCase) => ({ command: command.name, ...testCase }));
  })
  .map((row, index) => ({ ...row, index }));

function expectMessage(message: string, command: string, expected: string | RegExp): void {
  const suffix = `; see graft ${command} --help`;
  expect(message.endsWith(suffix), message).toBe(true);
  const rule = message.slice(0, -suffix.length);
  if (typeof expected === "string") expect(rule).toBe(expected);
  else expect(rule).toMatch(expected);
}

describe("usage errors", () => {
  it("cover every registered command", () => {
    expect(Object.keys(CASES).sort()).toEqual(commands.map((command) => command.name).sort());
  });

  it.each(rows)("graft $command: $label", async ({ command, argv, message, index }) => {
    const out = join(work.path, "out", String(index));
    const words = command.split(" ");

    const text = await graft(...words, ...argv(out));
    expect(text.code, text.err).toBe(2);
    expect(text.out).toBe("");
    const line = text.err.split("\n")[0] as string;
    expect(line.startsWith(`graft ${command}: UsageError: `), line).toBe(true);
    expectMessage(line.slice(`graft ${command}: UsageError: `.length), command, message);
    expect(`${text.out}${text.err}`).not.toMatch(/^\s+at /m);

    const json = await graft(...words, ...argv(out), "--json");
    expect(json.code, json.err).toBe(2);
    expect(json.err).toBe("");
    const lines = json.out.split("\n").filter((printed) => printed !== "");
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0] as string);
    expect(Object.keys(event).sort()).toEqual(["exitCode", "message", "name", "type"]);
    expect(event).toMatchObject({ type: "error", name: "UsageError", exitCode: 2 });
    expectMessage(event.message, command, message);

    expect(existsSync(out), out).toBe(false);
    expect(existsSync(`${out}.sbatch`)).toBe(false);
    expect(existsSync(adaptOut)).toBe(false);
  });
});

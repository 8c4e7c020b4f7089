// `npm run zoo`: rebuilds zoo/tiny-en-base and zoo/tiny-en-instruct with graft's own packages.
// Steps (each skipped when its output exists; training resumes from its checkpoints):
//   tokenizer → base-init → base-shards → base-train → base-export →
//   instruct-data → instruct-shards → instruct-train → instruct-export → measure
// Flags: --force STEP[,STEP] (redo), --until STEP (stop after it). Scratch goes to zoo/.work.
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildCorpus, formatProgress } from "@graft/corpus";
import { loadTokenizer } from "@graft/hf";
import { createTinyModel } from "@graft/testing";
import { buildInstructData } from "./src/instruct-data.js";
import { writeInstructShards } from "./src/instruct-shards.js";
import { measureZoo } from "./src/measure-zoo.js";
import { toBfloat16 } from "./src/to-bfloat16.js";
import { trainModel } from "./src/train-model.js";
import { INSTRUCT, MODEL, PRETRAIN } from "./src/zoo-recipe.js";
import { configOf, runSteps, type ZooStep } from "./src/zoo-step.js";
import { END_OF_TEXT, END_OF_TURN, trainZooTokenizer } from "./src/zoo-tokenizer.js";

const zoo = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(zoo, "..");
const data = join(root, "data");
const work = join(zoo, ".work");
const paths = {
  tokenizer: join(work, "tokenizer"),
  baseInit: join(work, "base-init"),
  baseShards: join(work, "base-shards"),
  baseF32: join(work, "base-f32"),
  base: join(zoo, "tiny-en-base"),
  instructData: join(work, "instruct-data"),
  instructShards: join(work, "instruct-shards"),
  instructF32: join(work, "instruct-f32"),
  instruct: join(zoo, "tiny-en-instruct"),
  quality: join(zoo, "quality.json"),
  /** The capitals quiz items kept out of the instruct data (committed: the zoo test measures on them). */
  heldoutIds: join(zoo, "heldout-ids.json"),
  timings: join(work, "timings.json"),
};

const { values } = parseArgs({ options: { force: { type: "string" }, until: { type: "string" } } });
const say = (line: string) => process.stdout.write(`${line}\n`);
await mkdir(work, { recursive: true });

/** generation_config.json: greedy, stopping at the end of text or at the end of a turn. */
async function writeGenerationConfig(directory: string): Promise<void> {
  const tokenizer = await loadTokenizer(directory);
  const eos = [END_OF_TEXT, END_OF_TURN].map((token) => tokenizer.tokenToId(token));
  const config = { bos_token_id: tokenizer.specialTokens.bos?.id, eos_token_id: eos, pad_token_id: tokenizer.specialTokens.pad?.id, do_sample: false, max_new_tokens: 128 };
  await writeFile(join(directory, "generation_config.json"), `${JSON.stringify(config, null, 2)}\n`);
}

const steps: ZooStep[] = [
  {
    name: "tokenizer",
    marker: join(paths.tokenizer, "tokenizer.json"),
    run: async () => {
      const report = await trainZooTokenizer({ corpus: [join(data, "en-train.txt.gz")], heldout: [join(data, "en-heldout.txt.gz")], work, out: paths.tokenizer });
      say(`  ${report.merges} merges, held-out ${report.efficiency.after.charactersPerToken.toFixed(3)} characters per token`);
    },
  },
  {
    name: "base-init",
    marker: configOf(paths.baseInit),
    run: async () => {
      await createTinyModel({ out: paths.baseInit, tokenizerDirectory: paths.tokenizer, dtype: "F32", overwrite: true, ...MODEL });
      await writeGenerationConfig(paths.baseInit);
    },
  },
  {
    name: "base-shards",
    marker: join(paths.baseShards, "manifest.json"),
    run: async () => {
      const { manifest } = await buildCorpus({
        inputs: [join(data, "en-train.txt.gz")],
        tokenizer: paths.baseInit,
        seqLen: PRETRAIN.seqLen,
        out: paths.baseShards,
        format: "plain",
        validFraction: PRETRAIN.validFraction,
        overwrite: true,
        onEvent: (event) => {
          if (event.type === "progress") say(`  ${formatProgress(event)}`);
        },
      });
      say(`  ${JSON.stringify((manifest.splits as Record<string, { sequences: number }>).train.sequences)} training sequences of ${PRETRAIN.seqLen}`);
    },
  },
  {
    name: "base-train",
    marker: configOf(paths.baseF32),
    run: async () => {
      const { seqLen: _seqLen, validFraction: _validFraction, ...optimisation } = PRETRAIN;
      const result = await trainModel({ model: paths.baseInit, data: paths.baseShards, output: paths.baseF32, mode: "full", checkpointDirectory: join(work, "base-checkpoints"), evalSteps: 0, ...optimisation }, say);
      say(`  train loss ${result.trainLoss.toFixed(4)}, last step ${result.lastLoss.toFixed(4)}`);
    },
  },
  { name: "base-export", marker: configOf(paths.base), run: () => toBfloat16(paths.baseF32, paths.base) },
  {
    name: "instruct-data",
    marker: join(paths.instructData, "train.jsonl"),
    run: async () => {
      const counts = await buildInstructData({ data, out: paths.instructData });
      await copyFile(join(paths.instructData, "heldout-ids.json"), paths.heldoutIds);
      say(`  ${JSON.stringify(counts)}`);
    },
  },
  {
    name: "instruct-shards",
    marker: join(paths.instructShards, "manifest.json"),
    run: async () => {
      const stats = await writeInstructShards({ model: paths.baseF32, input: join(paths.instructData, "train.jsonl"), seqLen: INSTRUCT.seqLen, out: paths.instructShards });
      say(`  ${JSON.stringify(stats)}`);
    },
  },
  {
    name: "instruct-train",
    marker: configOf(paths.instructF32),
    run: async () => {
      const { seqLen: _seqLen, ...optimisation } = INSTRUCT;
      const result = await trainModel({ model: paths.baseF32, data: paths.instructShards, output: paths.instructF32, mode: "full", checkpointDirectory: join(work, "instruct-checkpoints"), evalSteps: 0, ...optimisation }, say);
      say(`  train loss ${result.trainLoss.toFixed(4)}, last step ${result.lastLoss.toFixed(4)}`);
    },
  },
  { name: "instruct-export", marker: configOf(paths.instruct), run: () => toBfloat16(paths.instructF32, paths.instruct) },
  {
    name: "measure",
    marker: paths.quality,
    run: async () => {
      const quality = await measureZoo({ data, base: paths.base, instruct: paths.instruct, heldoutItems: paths.heldoutIds, work, say });
      await writeFile(paths.quality, `${JSON.stringify(quality, null, 2)}\n`);
    },
  },
];

const force = new Set((values.force ?? "").split(",").filter((name) => name !== ""));
const seconds = await runSteps(steps, { force, until: values.until, say });
const timings = existsSync(paths.timings) ? JSON.parse(await readFile(paths.timings, "utf8")) : {};
await writeFile(paths.timings, `${JSON.stringify({ ...timings, ...seconds }, null, 2)}\n`);
say(`zoo: done; wall seconds per step in ${paths.timings}`);

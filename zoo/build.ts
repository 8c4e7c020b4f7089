// `npm run zoo`: rebuilds zoo/tiny-en-base and zoo/tiny-en-instruct with graft's own packages, as
// @graft/adapt stages (each keyed by its settings, input files and upstream stages; a rerun skips
// finished ones, training resumes from its checkpoints):
//   tokenizer → base-init → base-shards → base-train → base-export →
//   instruct-data → instruct-shards → instruct-train → instruct-export → measure → publish
// `publish` copies the two models, quality.json and heldout-ids.json into zoo/.
// Flags: --force STEP[,STEP] (redo these and the steps that use their outputs), --until STEP (stop
// after it), --work DIR (scratch and stage outputs; default zoo/.work).
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runStages, type Stage, type StageRunnerEvent } from "@graft/adapt";
import { buildCorpus, formatProgress } from "@graft/corpus";
import { loadTokenizer } from "@graft/hf";
import { createTinyModel } from "@graft/testing";
import { buildInstructData } from "./src/instruct-data.js";
import { writeInstructShards } from "./src/instruct-shards.js";
import { measureZoo } from "./src/measure-zoo.js";
import { replaceDirectory, replaceFile } from "./src/replace-published.js";
import { toBfloat16 } from "./src/to-bfloat16.js";
import { trainModel } from "./src/train-model.js";
import { INSTRUCT, MODEL, PRETRAIN } from "./src/zoo-recipe.js";
import { END_OF_TEXT, END_OF_TURN, trainZooTokenizer, ZOO_MODEL_VOCABULARY_SIZE } from "./src/zoo-tokenizer.js";

const zoo = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(zoo, "..");
const data = join(root, "data");
const { values } = parseArgs({ options: { force: { type: "string" }, until: { type: "string" }, work: { type: "string" } } });
const work = values.work ? resolve(values.work) : join(zoo, ".work");
const files = {
  enTrain: join(data, "en-train.txt.gz"),
  enHeldout: join(data, "en-heldout.txt.gz"),
  promptsEn: join(data, "prompts-en.jsonl"),
  definitions: join(data, "tasks-en-definitions.jsonl"),
  wordOrder: join(data, "tasks-en-word-order.jsonl"),
  capitals: join(data, "tasks-en-capitals.jsonl"),
};
/** Where `publish` puts the committed outputs. */
const published = {
  base: join(zoo, "tiny-en-base"),
  instruct: join(zoo, "tiny-en-instruct"),
  quality: join(zoo, "quality.json"),
  /** The capitals quiz items kept out of the instruct data (committed: the zoo test measures on them). */
  heldoutIds: join(zoo, "heldout-ids.json"),
};
const timings = join(work, "timings.json");
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** generation_config.json: greedy, stopping at the end of text or at the end of a turn. */
async function writeGenerationConfig(directory: string): Promise<void> {
  const tokenizer = await loadTokenizer(directory);
  const eos = [END_OF_TEXT, END_OF_TURN].map((token) => tokenizer.tokenToId(token));
  const config = {
    bos_token_id: tokenizer.specialTokens.bos?.id,
    eos_token_id: eos,
    pad_token_id: tokenizer.specialTokens.pad?.id,
    do_sample: false,
    max_new_tokens: 128,
  };
  await writeFile(join(directory, "generation_config.json"), `${JSON.stringify(config, null, 2)}\n`);
}

const { sequenceLength: _pretrainSeqLen, validFraction: _validFraction, ...pretrainOptimisation } = PRETRAIN;
const { sequenceLength: _instructSeqLen, ...instructOptimisation } = INSTRUCT;

const stages: Stage[] = [
  {
    name: "tokenizer",
    description: "a byte-level BPE learned on the English corpus",
    settings: { modelVocabularySize: ZOO_MODEL_VOCABULARY_SIZE },
    after: [],
    inputs: [files.enTrain, files.enHeldout],
    run: async ({ out, resumeDirectory, log }) => {
      const report = await trainZooTokenizer({ corpus: [files.enTrain], heldout: [files.enHeldout], work: resumeDirectory, out });
      const charactersPerToken = report.efficiency.after.charactersPerToken;
      log(`${report.merges} merges, held-out ${charactersPerToken.toFixed(3)} characters per token`);
      return { merges: report.merges, charactersPerToken };
    },
  },
  {
    name: "base-init",
    description: "seeded random init, F32",
    settings: { model: MODEL },
    after: ["tokenizer"],
    inputs: [],
    run: async ({ out, upstream }) => {
      await createTinyModel({ out, tokenizerDirectory: upstream("tokenizer"), dtype: "F32", overwrite: true, ...MODEL });
      await writeGenerationConfig(out);
    },
  },
  {
    name: "base-shards",
    description: "the English corpus as token shards",
    settings: { sequenceLength: PRETRAIN.sequenceLength, validFraction: PRETRAIN.validFraction, format: "plain" },
    after: ["base-init"],
    inputs: [files.enTrain],
    run: async ({ out, upstream, log }) => {
      const { manifest } = await buildCorpus({
        inputs: [files.enTrain],
        tokenizer: upstream("base-init"),
        sequenceLength: PRETRAIN.sequenceLength,
        out,
        format: "plain",
        validFraction: PRETRAIN.validFraction,
        overwrite: true,
        onEvent: (event) => {
          if (event.type === "progress") log(formatProgress(event));
        },
      });
      const trainSequences = (manifest.splits as Record<string, { sequences: number }>).train.sequences;
      log(`${trainSequences} training sequences of ${PRETRAIN.sequenceLength}`);
      return { trainSequences };
    },
  },
  {
    name: "base-train",
    description: "pretraining, F32",
    settings: { ...pretrainOptimisation, evalSteps: 0 },
    after: ["base-init", "base-shards"],
    inputs: [],
    run: async ({ out, upstream, resumeDirectory, log }) => {
      const result = await trainModel(
        {
          model: upstream("base-init"),
          data: upstream("base-shards"),
          out,
          mode: "full",
          checkpointDirectory: join(resumeDirectory, "checkpoints"),
          evalSteps: 0,
          ...pretrainOptimisation,
        },
        log,
      );
      log(`train loss ${result.trainLoss.toFixed(4)}, last step ${result.lastLoss.toFixed(4)}`);
      return result;
    },
  },
  {
    name: "base-export",
    description: "F32 → BF16",
    settings: {},
    after: ["base-train"],
    inputs: [],
    run: ({ out, upstream }) => toBfloat16(upstream("base-train"), out),
  },
  {
    name: "instruct-data",
    description: "instruction conversations from the packaged sources, evaluation items held out",
    settings: {},
    after: [],
    inputs: [files.enTrain, files.definitions, files.promptsEn, files.capitals],
    run: async ({ out, log }) => {
      const counts = await buildInstructData({ data, out });
      log(JSON.stringify(counts));
      return counts;
    },
  },
  {
    name: "instruct-shards",
    description: "the conversations in the chat template, assistant-only loss",
    settings: { sequenceLength: INSTRUCT.sequenceLength },
    after: ["base-train", "instruct-data"],
    inputs: [],
    run: async ({ out, upstream, log }) => {
      const stats = await writeInstructShards({
        model: upstream("base-train"),
        input: join(upstream("instruct-data"), "train.jsonl"),
        sequenceLength: INSTRUCT.sequenceLength,
        out,
      });
      log(JSON.stringify(stats));
      return { ...stats };
    },
  },
  {
    name: "instruct-train",
    description: "full fine-tuning on the conversations, F32",
    settings: { ...instructOptimisation, evalSteps: 0 },
    after: ["base-train", "instruct-shards"],
    inputs: [],
    run: async ({ out, upstream, resumeDirectory, log }) => {
      const result = await trainModel(
        {
          model: upstream("base-train"),
          data: upstream("instruct-shards"),
          out,
          mode: "full",
          checkpointDirectory: join(resumeDirectory, "checkpoints"),
          evalSteps: 0,
          ...instructOptimisation,
        },
        log,
      );
      log(`train loss ${result.trainLoss.toFixed(4)}, last step ${result.lastLoss.toFixed(4)}`);
      return result;
    },
  },
  {
    name: "instruct-export",
    description: "F32 → BF16",
    settings: {},
    after: ["instruct-train"],
    inputs: [],
    run: ({ out, upstream }) => toBfloat16(upstream("instruct-train"), out),
  },
  {
    name: "measure",
    description: "the quality floor → quality.json",
    settings: {},
    after: ["base-export", "instruct-export", "instruct-data"],
    inputs: [files.enHeldout, files.enTrain, files.promptsEn, files.definitions, files.wordOrder, files.capitals],
    run: async ({ out, upstream, resumeDirectory, log }) => {
      const quality = await measureZoo({
        data,
        base: upstream("base-export"),
        instruct: upstream("instruct-export"),
        heldoutItems: join(upstream("instruct-data"), "heldout-ids.json"),
        work: resumeDirectory,
        say: log,
      });
      await mkdir(out, { recursive: true });
      await writeFile(join(out, "quality.json"), `${JSON.stringify(quality, null, 2)}\n`);
    },
  },
  {
    name: "publish",
    description: "the models, quality.json and heldout-ids.json into zoo/",
    settings: { destination: published },
    after: ["base-export", "instruct-export", "instruct-data", "measure"],
    inputs: [],
    run: async ({ upstream, log }) => {
      await replaceDirectory(upstream("base-export"), published.base);
      await replaceDirectory(upstream("instruct-export"), published.instruct);
      await replaceFile(join(upstream("instruct-data"), "heldout-ids.json"), published.heldoutIds);
      await replaceFile(join(upstream("measure"), "quality.json"), published.quality);
      log(`published ${Object.values(published).join(", ")}`);
    },
  },
];

function show(event: StageRunnerEvent): void {
  switch (event.type) {
    case "run-start":
      say(`zoo: ${event.toRun} of ${event.stages} steps to run in ${event.workDirectory}`);
      break;
    case "stage-skip":
      say(`zoo: ${event.stage}: up to date (${event.detail}), skipped`);
      break;
    case "stage-start":
      say(`zoo: ${event.stage} ... (${event.reason}: ${event.detail.replaceAll("--from", "--force")}; log ${event.log})`);
      break;
    case "stage-end":
      say(`zoo: ${event.stage}: ${event.seconds.toFixed(1)} s`);
      break;
    case "stage-fail":
      say(`zoo: ${event.stage}: failed after ${event.seconds.toFixed(1)} s (log ${event.log})`);
      break;
  }
}

const seconds: Record<string, number> = {};
const force = (values.force ?? "").split(",").filter((name) => name !== "");
for (const name of [...force, ...(values.until ? [values.until] : [])]) {
  if (stages.some((stage) => stage.name === name)) continue;
  say(`zoo: no step "${name}"; the steps are ${stages.map((stage) => stage.name).join(", ")}`);
  process.exit(2);
}
try {
  await runStages(stages, work, {
    from: force,
    until: values.until,
    onLog: (_stage, line) => say(`  ${line.trimStart()}`),
    onEvent: (event) => {
      if (event.type === "stage-end") seconds[event.stage] = event.seconds;
      show(event);
    },
  });
} finally {
  if (Object.keys(seconds).length > 0) {
    const previous = existsSync(timings) ? JSON.parse(await readFile(timings, "utf8")) : {};
    await writeFile(timings, `${JSON.stringify({ ...previous, ...seconds }, null, 2)}\n`);
  }
}
say(`zoo: done; wall seconds per step in ${timings}`);

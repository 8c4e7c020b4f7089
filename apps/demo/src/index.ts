// The embedded default run (`npm run demo`): graft adapt on tiny models and the packaged Russian data.
// The tiny model zoo (a pretrained English base and its instruct model) has not landed yet, so the
// demo makes its own models: a seeded random Llama-architecture base with the Llama-2 tokenizer, and
// an "instruct" model = that base briefly trained on English text in its chat template. The effects
// the report shows are therefore those of the pipeline on untrained models (see apps/demo/README.md).
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { adapt, parseAdaptConfig } from "@graft/cli";
import { buildCorpus } from "@graft/corpus";
import { createTinyModel } from "@graft/hf";
import { runTraining } from "@graft/train-bridge";

// scripts/demo.mjs runs this from the repository root.
const root = resolve(".");
const output = join(root, "demo-output");
const models = join(output, "models");
const started = performance.now();
const say = (line: string) => process.stdout.write(`${line}\n`);

/** A Llama-2-style chat template over the tokenizer's own <s> and </s>. */
const CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}[INST] {{ message['content'] | trim }} [/INST]{% elif message['role'] == 'assistant' %} {{ message['content'] | trim }}{{ eos_token }}{% endif %}{% endfor %}";

async function prepareModels(): Promise<{ base: string; instruct: string }> {
  const base = join(models, "tiny-base");
  const instruct = join(models, "tiny-instruct");
  if (existsSync(join(instruct, "config.json"))) return { base, instruct };
  await mkdir(models, { recursive: true });
  // The real Llama-2 tokenizer shipped in fixtures/ (gzipped).
  const tokenizer = join(models, "llama2-tokenizer");
  await mkdir(tokenizer, { recursive: true });
  await writeFile(join(tokenizer, "tokenizer.json"), gunzipSync(await readFile(join(root, "fixtures", "tokenizers", "llama2", "tokenizer.json.gz"))));
  await copyFile(join(root, "fixtures", "tokenizers", "llama2", "tokenizer_config.json"), join(tokenizer, "tokenizer_config.json"));
  say("demo: making the tiny base model (random init, Llama-2 tokenizer) ...");
  await createTinyModel({ out: base, tokenizerDirectory: tokenizer, architecture: "llama", hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, intermediateSize: 192, tieWordEmbeddings: false, seed: 1, chatTemplate: CHAT_TEMPLATE, initializerRange: 0.02, overwrite: true });
  say("demo: making the tiny instruct model (the base trained on English text in its chat template) ...");
  const shards = join(models, "instruct-shards");
  await buildCorpus({ inputs: [join(root, "data", "en-train.txt.gz")], tokenizer: base, model: base, seqLen: 128, out: shards, format: "inscp-document", maxDocuments: 3000, validFraction: 0, overwrite: true });
  const run = runTraining({ model: base, data: shards, output: instruct, mode: "full", maxSteps: 120, learningRate: 3e-3, perDeviceBatchSize: 8, warmupSteps: 10, seed: 1, saveSteps: 0 });
  for await (const event of run.events) if (event.event === "step-end" && event.step % 40 === 0) say(`  instruct: step ${event.step}/${event.max_steps} loss ${event.loss.toFixed(3)}`);
  await run.result;
  return { base, instruct };
}

const config = {
  language: "ru",
  script: "Cyrillic",
  corpus: ["data/ru-train.txt.gz"],
  maxDocuments: 4000,
  out: "demo-output/run",
  vocab: { add: 4000, mergeOrder: "append", padToMultipleOf: 64, init: "mean" },
  sequenceLength: 128,
  embeddings: { maxSteps: 150, learningRate: 5e-3, batchSize: 8, warmupSteps: 10, seed: 1 },
  lep: { mode: "conversion" },
  inscp: { on: ["lep", "instruct"], mode: "full", maxSteps: 60, learningRate: 1e-3, batchSize: 8, seed: 1 },
  eval: {
    heldout: "data/ru-heldout.txt.gz",
    heldoutEnglish: "data/en-heldout.txt.gz",
    prompts: ["data/prompts-ru.jsonl", "data/prompts-en.jsonl"],
    tasks: ["data/tasks-ru-translation.jsonl", "data/tasks-en-capitals.jsonl"],
    alignmentPrompts: 10,
    heldoutCharacters: 8000,
  },
};

const { base, instruct } = await prepareModels();
const configPath = join(output, "adapt.json");
await writeFile(configPath, `${JSON.stringify({ ...config, base, instruct, out: join(output, "run"), corpus: config.corpus.map((path) => join(root, path)), eval: { ...config.eval, heldout: join(root, config.eval.heldout), heldoutEnglish: join(root, config.eval.heldoutEnglish), prompts: config.eval.prompts.map((path) => join(root, path)), tasks: config.eval.tasks.map((path) => join(root, path)) } }, null, 2)}\n`);
const parsed = parseAdaptConfig(await readFile(configPath, "utf8"), configPath);
const report = await adapt(parsed, {}, { stdout: process.stdout, json: process.argv.includes("--json") });
await copyFile(report, join(output, "report.html"));
await copyFile(report.replace(/report\.html$/, "report.json"), join(output, "report.json"));
say(`demo: done in ${((performance.now() - started) / 60_000).toFixed(1)} min. The report: ${join(output, "report.html")} (config: ${configPath}; rerun with: npx graft adapt --config ${configPath})`);

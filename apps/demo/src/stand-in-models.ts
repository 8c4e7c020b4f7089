// Models for the demo while the tiny model zoo (zoo/tiny-en-base, zoo/tiny-en-instruct) is absent:
// a seeded random Llama-architecture base with the real Llama-2 tokenizer from fixtures/, and an
// "instruct" model = that base trained briefly on English documents in a chat template. Cached
// under demo-output/models (a rerun reuses them).
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { buildCorpus } from "@graft/corpus";
import { createTinyModel } from "@graft/testing";
import { runTraining } from "@graft/train-bridge";

/** A Llama-2-style chat template over the tokenizer's own <s> and </s>. */
export const STAND_IN_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}[INST] {{ message['content'] | trim }} [/INST]{% elif message['role'] == 'assistant' %} {{ message['content'] | trim }}{{ eos_token }}{% endif %}{% endfor %}";
/** English documents and full fine-tuning steps of the stand-in instruct model. */
const INSTRUCT_DOCUMENTS = 3000;
const INSTRUCT_STEPS = 120;

export async function standInModels(root: string, directory: string, say: (line: string) => void): Promise<{ base: string; instruct: string }> {
  const base = join(directory, "tiny-base");
  const instruct = join(directory, "tiny-instruct");
  if (existsSync(join(instruct, "config.json")) && existsSync(join(base, "config.json"))) return { base, instruct };
  await mkdir(directory, { recursive: true });
  const tokenizer = join(directory, "llama2-tokenizer");
  await mkdir(tokenizer, { recursive: true });
  await writeFile(join(tokenizer, "tokenizer.json"), gunzipSync(await readFile(join(root, "fixtures", "tokenizers", "llama2", "tokenizer.json.gz"))));
  await copyFile(join(root, "fixtures", "tokenizers", "llama2", "tokenizer_config.json"), join(tokenizer, "tokenizer_config.json"));
  say("demo: making the stand-in base model (random init, hidden 64, 2 layers, Llama-2 tokenizer) ...");
  await createTinyModel({
    out: base,
    tokenizerDirectory: tokenizer,
    architecture: "llama",
    hiddenSize: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    intermediateSize: 192,
    tieWordEmbeddings: false,
    seed: 1,
    chatTemplate: STAND_IN_CHAT_TEMPLATE,
    initializerRange: 0.02,
    overwrite: true,
  });
  say(`demo: making the stand-in instruct model (the base trained ${INSTRUCT_STEPS} steps on English documents in its chat template) ...`);
  const shards = join(directory, "instruct-shards");
  await buildCorpus({
    inputs: [join(root, "data", "en-train.txt.gz")],
    tokenizer: base,
    model: base,
    sequenceLength: 128,
    out: shards,
    format: "inscp-document",
    maxDocuments: INSTRUCT_DOCUMENTS,
    validFraction: 0,
    overwrite: true,
  });
  const run = runTraining({
    model: base,
    data: shards,
    out: instruct,
    mode: "full",
    maxSteps: INSTRUCT_STEPS,
    learningRate: 3e-3,
    perDeviceBatchSize: 8,
    warmupSteps: 10,
    seed: 1,
    saveSteps: 0,
  });
  for await (const event of run.events)
    if (event.type === "step-end" && event.step % 40 === 0) say(`  instruct: step ${event.step}/${event.max_steps} loss ${event.loss.toFixed(3)}`);
  await run.result;
  return { base, instruct };
}

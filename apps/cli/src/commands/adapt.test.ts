// graft adapt end to end on tiny random models (real tokenizer, real trainer, real LEP and eval):
// every stage's output, a kill inside the training stage and its resume, skip on rerun, the plan.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type AdaptConfig, type AdaptEvent, adapt, loadAdaptConfig, STAGE_MARKER, StageFailedError } from "@graft/adapt";
import { createTinyModel, fixtureText, fixtureTokenizerDirectory, repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
afterAll(() => (process.env.KEEP_ADAPT_TEST ? console.log(work.path) : work.remove()));
const TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}[INST] {{ message['content'] | trim }} [/INST]{% elif message['role'] == 'assistant' %} {{ message['content'] | trim }}{{ eos_token }}{% endif %}{% endfor %}{% if add_generation_prompt %} {% endif %}";
const EMBEDDING_STEPS = 12;
let configPath: string;

beforeAll(async () => {
  const tokenizerDirectory = fixtureTokenizerDirectory("llama2");
  const shape = {
    tokenizerDirectory,
    architecture: "llama" as const,
    hiddenSize: 32,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediateSize: 64,
    tieWordEmbeddings: false,
  };
  await createTinyModel({ ...shape, out: join(work.path, "models", "base"), seed: 1 });
  await createTinyModel({ ...shape, out: join(work.path, "models", "instruct"), seed: 2, chatTemplate: TEMPLATE });
  const russian = fixtureText("ru-fortunes").split(/\n\s*\n/);
  writeFileSync(join(work.path, "ru-train.txt"), russian.slice(0, 1200).join("\n\n"));
  writeFileSync(join(work.path, "ru-heldout.txt"), russian.slice(3000).join("\n\n"));
  writeFileSync(join(work.path, "en-heldout.txt"), fixtureText("en-fortunes"));
  const data = join(repositoryRoot(), "data");
  writeFileSync(join(work.path, "tasks-ru.jsonl"), readFileSync(join(data, "tasks-ru-translation.jsonl"), "utf8").split("\n").slice(0, 4).join("\n"));
  const config = {
    base: "models/base",
    instruct: "models/instruct",
    language: "ru",
    script: "Cyrillic",
    out: "run",
    corpus: { inputs: ["ru-train.txt"], languageFilter: true },
    vocab: { add: 150, padToMultipleOf: 8 },
    sequenceLength: 64,
    embeddings: { maxSteps: EMBEDDING_STEPS, learningRate: 1e-3, batchSize: 2, checkpointSteps: 2 },
    lep: { mode: "conversion" },
    inscp: { on: ["lep", "instruct"], maxSteps: 2, learningRate: 1e-4, batchSize: 2 },
    eval: {
      heldout: "ru-heldout.txt",
      heldoutEnglish: "en-heldout.txt",
      prompts: [join(data, "prompts-ru.jsonl")],
      tasks: ["tasks-ru.jsonl"],
      alignmentPrompts: 2,
      heldoutCharacters: 400,
    },
  };
  configPath = join(work.path, "adapt.yaml");
  writeFileSync(configPath, stringify(config));
});

describe("graft adapt", () => {
  let config: AdaptConfig;
  const marker = (stage: string) => JSON.parse(readFileSync(join(config.out, stage, STAGE_MARKER), "utf8"));

  it("a kill inside the training stage leaves the finished stages and checkpoints; the rerun skips them and resumes", async () => {
    config = await loadAdaptConfig(configPath);
    const controller = new AbortController();
    const first: AdaptEvent[] = [];
    const failure = await adapt(config, {
      signal: controller.signal,
      onEvent: (event) => {
        first.push(event);
        if (event.type === "stage-progress" && event.stage === "embeddings" && event.kind === "checkpoint-saved") controller.abort();
      },
    }).catch((error: unknown) => error);
    expect(StageFailedError.isInstance(failure) && (failure as StageFailedError).stage, String((failure as Error)?.message)).toBe("embeddings");
    expect((failure as Error).message).toMatch(/TrainingCancelledError/);
    for (const stage of ["corpus", "vocab", "init", "shards-embeddings"]) expect(existsSync(join(config.out, stage, STAGE_MARKER))).toBe(true);
    expect(existsSync(join(config.out, "embeddings"))).toBe(false);
    const resume = readdirSync(join(config.out, ".resume")).find((name) => name.startsWith("embeddings-")) as string;
    expect(readdirSync(join(config.out, ".resume", resume, "checkpoints")).some((name) => /^checkpoint-\d+$/.test(name))).toBe(true);

    const dryRun = await graft("adapt", "--config", configPath, "--dry-run");
    expect(dryRun.out).toMatch(/skip +corpus +up-to-date/);
    expect(dryRun.out).toMatch(/run +embeddings +missing +an interrupted attempt did not finish; resumes from its checkpoints/);

    const second: AdaptEvent[] = [];
    const { report } = await adapt(config, { onEvent: (event) => second.push(event) });
    expect(second.filter((event) => event.type === "stage-skip").map((event) => event.stage)).toEqual(["corpus", "vocab", "init", "shards-embeddings"]);
    const resumed = second.find((event) => event.type === "stage-progress" && event.kind === "train-resume");
    expect(resumed).toMatchObject({ stage: "embeddings" });
    expect(marker("embeddings").summary).toMatchObject({ steps: EMBEDDING_STEPS });
    expect(readFileSync(join(config.out, "logs", "embeddings.log"), "utf8")).toMatch(/train-resume/);
    expect(existsSync(join(config.out, ".resume", resume))).toBe(false);
    expect(existsSync(report)).toBe(true);
  });

  it("wrote every stage's output", () => {
    const text = gunzipSync(readFileSync(join(config.out, "corpus", "documents.txt.gz"))).toString("utf8");
    expect(marker("corpus").summary.kept).toBeGreaterThan(500);
    expect(text.split("\n\n").filter(Boolean).length).toBe(marker("corpus").summary.kept);
    const vocab = marker("vocab").summary;
    expect(vocab.added).toBeGreaterThan(0);
    expect(vocab.charactersPerTokenAfter).toBeGreaterThan(vocab.charactersPerTokenBefore);
    const initConfig = JSON.parse(readFileSync(join(config.out, "init", "config.json"), "utf8"));
    expect(initConfig.vocab_size % 8).toBe(0);
    expect(initConfig.vocab_size).toBeGreaterThanOrEqual(32000 + vocab.added);
    for (const shards of ["shards-embeddings", "shards-inscp-lep", "shards-inscp-instruct"])
      expect(JSON.parse(readFileSync(join(config.out, shards, "manifest.json"), "utf8")).seq_len).toBe(64);
    expect(JSON.parse(readFileSync(join(config.out, "shards-inscp-instruct", "manifest.json"), "utf8")).sample_format).toBe("inscp-document");
    for (const model of ["embeddings", "lep", "inscp-lep", "inscp-instruct"]) expect(existsSync(join(config.out, model, "config.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(config.out, "lep", "tokenizer_config.json"), "utf8")).chat_template).toBe(TEMPLATE);
    const evaluation = JSON.parse(readFileSync(join(config.out, "eval", "report.json"), "utf8"));
    expect(evaluation.models.map((model: { model: string }) => model.model)).toEqual([
      config.instruct,
      join(config.out, "inscp-instruct"),
      join(config.out, "lep"),
      join(config.out, "inscp-lep"),
    ]);
    // the extended vocabulary encodes Russian in fewer tokens than the original
    const [instruct, , lep] = evaluation.models as { charactersPerToken: number }[];
    expect(lep!.charactersPerToken).toBeGreaterThan(instruct!.charactersPerToken);
    expect(readFileSync(join(config.out, "eval", "report.html"), "utf8")).toContain("<html");
  });

  it("a rerun skips every stage; a changed InsCP setting reruns only InsCP and the report, and the plan says which setting", async () => {
    const again = await graft("adapt", "--config", configPath, "--json");
    const events = again.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ type: "run-start", toRun: 0 });
    expect(events.filter((event) => event.type === "stage-skip").length).toBe(11);

    writeFileSync(configPath, readFileSync(configPath, "utf8").replace(/inscp:\n((?: {2}.*\n)*?) {2}maxSteps: 2/, "inscp:\n$1  maxSteps: 3"));
    const plan = await graft("adapt", "--config", configPath, "--dry-run", "--json");
    const steps = plan.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(steps.filter((step) => step.action === "run").map((step) => `${step.name}: ${step.detail}`)).toEqual([
      "inscp-instruct: train.maxSteps: 2 -> 3",
      "inscp-lep: train.maxSteps: 2 -> 3",
      "eval: upstream inscp-instruct; upstream inscp-lep",
    ]);
  });

  it("--init writes an example that parses; a wrong path fails before any work", async () => {
    const example = join(work.path, "example.yaml");
    expect((await graft("adapt", "--init", example)).code).toBe(0);
    const failed = await graft("adapt", "--config", example);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/AdaptConfigError: .*example\.yaml: base: .*models\/llama-3-8b is not a directory/);
    expect(existsSync(join(work.path, "runs"))).toBe(false);
    const again = await graft("adapt", "--init", example);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/UsageError: .*example\.yaml exists; choose another file name or remove it; see graft adapt --help/);
  });
});

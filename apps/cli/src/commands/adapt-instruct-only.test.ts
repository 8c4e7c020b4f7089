// graft adapt without a base model, end to end on the zoo's tiny instruct model and the packaged
// Russian data (real tokenizer extension, trainer and eval): the plan, the stages that ran, the
// report's models, and new-rows-only embeddings CP leaving every old row bit for bit.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AdaptConfig, type AdaptEvent, adapt, loadAdaptConfig, STAGE_MARKER } from "@graft/adapt";
import { SafetensorsReader } from "@graft/safetensors";
import { repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
afterAll(() => (process.env.KEEP_ADAPT_TEST ? console.log(work.path) : work.remove()));
const root = repositoryRoot();
const data = (name: string) => join(root, "data", name);
const STAGES = ["corpus", "vocab", "init", "shards-embeddings", "embeddings-instruct", "shards-inscp-instruct", "inscp-instruct", "inscp-embeddings", "eval"];
let configPath: string;

beforeAll(() => {
  const config = {
    instruct: join(root, "zoo", "tiny-en-instruct"),
    language: "ru",
    script: "Cyrillic",
    out: "run",
    corpus: { inputs: [data("ru-train.txt.gz")], maxDocuments: 300 },
    vocab: { add: 60, padToMultipleOf: 8 },
    sequenceLength: 64,
    embeddings: { maxSteps: 3, learningRate: 5e-3, batchSize: 2, weightDecay: 0.1, newTokensOnly: true },
    inscp: { on: ["embeddings", "instruct"], mode: "lora", loraRank: 4, maxSteps: 2, learningRate: 1e-3, batchSize: 2 },
    eval: {
      heldout: data("ru-heldout.txt.gz"),
      heldoutEnglish: data("en-heldout.txt.gz"),
      prompts: [data("prompts-ru.jsonl")],
      alignmentPrompts: 1,
      heldoutCharacters: 300,
    },
  };
  configPath = join(work.path, "adapt.yaml");
  writeFileSync(configPath, stringify(config));
});

/** Every tensor of a single-file model, as raw bytes. */
async function tensors(directory: string): Promise<Map<string, { shape: number[]; data: Uint8Array }>> {
  const reader = await SafetensorsReader.open(join(directory, "model.safetensors"));
  try {
    const all = new Map<string, { shape: number[]; data: Uint8Array }>();
    for (const name of reader.tensorNames()) all.set(name, await reader.readTensor(name));
    return all;
  } finally {
    await reader.close();
  }
}

describe("graft adapt without base (instruct-only)", () => {
  let config: AdaptConfig;
  const marker = (stage: string) => JSON.parse(readFileSync(join(config.out, stage, STAGE_MARKER), "utf8"));

  it("--dry-run shows the instruct-only plan", async () => {
    const plan = await graft("adapt", "--config", configPath, "--dry-run", "--json");
    expect(plan.code, plan.err).toBe(0);
    const steps = plan.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(steps.map((step) => step.name)).toEqual(STAGES);
    expect(steps.every((step) => step.action === "run" && step.reason === "missing")).toBe(true);
    const text = await graft("adapt", "--config", configPath, "--dry-run");
    expect(text.out).toMatch(/run +embeddings-instruct +missing/);
    expect(text.out).not.toMatch(/\blep\b/);
  });

  it("runs every stage and reports the original and each adapted model", async () => {
    config = await loadAdaptConfig(configPath);
    const events: AdaptEvent[] = [];
    const { report } = await adapt(config, { onEvent: (event) => events.push(event) });
    expect(events.filter((event) => event.type === "stage-start").map((event) => event.stage)).toEqual(STAGES);
    expect(JSON.parse(readFileSync(join(config.out, "shards-embeddings", "manifest.json"), "utf8")).sample_format).toBe("inscp-document");
    const evaluation = JSON.parse(readFileSync(join(config.out, "eval", "report.json"), "utf8"));
    expect(evaluation.models.map((model: { model: string }) => model.model)).toEqual([
      config.instruct,
      join(config.out, "inscp-instruct"),
      join(config.out, "embeddings-instruct"),
      join(config.out, "inscp-embeddings"),
    ]);
    expect(Object.keys(marker("eval").summary.models)).toEqual(["instruct", "instruct+inscp", "embeddings", "embeddings+inscp"]);
    // the extended vocabulary encodes Russian in fewer tokens than the original
    const [instruct, , embeddings] = evaluation.models as { charactersPerToken: number }[];
    expect(embeddings!.charactersPerToken).toBeGreaterThan(instruct!.charactersPerToken);
    expect(readFileSync(report, "utf8")).toContain("<html");
  });

  it("newTokensOnly trained the new rows and left every old row and every other tensor bit for bit", async () => {
    const { firstNewId, added } = marker("vocab").summary as { firstNewId: number; added: number };
    expect(added).toBeGreaterThan(0);
    const before = await tensors(join(config.out, "init"));
    const after = await tensors(join(config.out, "embeddings-instruct"));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const embeddingNames = ["model.embed_tokens.weight", "lm_head.weight"];
    for (const [name, tensor] of before) {
      const trained = after.get(name) as { shape: number[]; data: Uint8Array };
      expect(trained.shape, name).toEqual(tensor.shape);
      if (!embeddingNames.includes(name)) {
        expect(Buffer.compare(trained.data, tensor.data), `${name} changed`).toBe(0);
        continue;
      }
      const rowBytes = tensor.data.byteLength / (tensor.shape[0] as number);
      const cut = firstNewId * rowBytes;
      expect(Buffer.compare(trained.data.subarray(0, cut), tensor.data.subarray(0, cut)), `${name}: old rows changed`).toBe(0);
      const newRows = (data: Uint8Array) => data.subarray(cut, (firstNewId + added) * rowBytes);
      expect(Buffer.compare(newRows(trained.data), newRows(tensor.data)), `${name}: new rows did not train`).not.toBe(0);
    }
  });

  it("--init --instruct-only writes the example without base; a wrong path fails before any work", async () => {
    const example = join(work.path, "instruct-only.yaml");
    expect((await graft("adapt", "--init", "--instruct-only", example)).code).toBe(0);
    expect(readFileSync(example, "utf8")).not.toMatch(/^base:/m);
    const failed = await graft("adapt", "--config", example);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/AdaptConfigError: .*instruct-only\.yaml: instruct: .*models\/llama-3-8b-instruct is not a directory/);
    expect(existsSync(join(work.path, "runs"))).toBe(false);
  });
});

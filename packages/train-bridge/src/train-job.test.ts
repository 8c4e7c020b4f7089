import { join } from "node:path";
import { createTinyModel, fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTraining } from "./run-training.js";
import { writeShardFixture } from "./testing/shard-fixture.js";
import { type TrainJob, trainJobToJson, validateTrainJob } from "./train-job.js";
import { TrainJobError } from "./train-job-error.js";

const scratch = temporaryDirectory();
let base: TrainJob;

beforeAll(async () => {
  const model = join(scratch.path, "model");
  await createTinyModel({
    out: model,
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    hiddenSize: 32,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediateSize: 32,
    seed: 1,
  });
  base = { model, data: writeShardFixture({ directory: join(scratch.path, "shards") }), out: join(scratch.path, "out"), mode: "full" };
});
afterAll(() => scratch.remove());

describe("validateTrainJob", () => {
  const cases: { name: string; change: Record<string, unknown>; field: string; reason: RegExp }[] = [
    { name: "unknown mode", change: { mode: "adapter" }, field: "mode", reason: /expected one of embeddings, full, lora/ },
    { name: "missing model", change: { model: undefined }, field: "model", reason: /is required/ },
    { name: "model without config.json", change: { model: "/" }, field: "model", reason: /no config\.json/ },
    { name: "data without manifest", change: { data: "/" }, field: "data", reason: /no manifest\.json/ },
    { name: "output parent missing", change: { out: "/nonexistent-graft/x/out" }, field: "out", reason: /parent .* does not exist/ },
    { name: "negative learning rate", change: { learningRate: -1 }, field: "learningRate", reason: /> 0/ },
    { name: "fractional steps", change: { maxSteps: 2.5 }, field: "maxSteps", reason: /integer > 0/ },
    { name: "string batch size", change: { perDeviceBatchSize: "4" }, field: "perDeviceBatchSize", reason: /integer > 0/ },
    { name: "snake_case key", change: { learning_rate: 1e-3 }, field: "learning_rate", reason: /not a job field/ },
    { name: "new rows outside embeddings mode", change: { newTokenStart: 10 }, field: "newTokenStart", reason: /embeddings/ },
    { name: "lora dropout of 1", change: { mode: "lora", loraDropout: 1 }, field: "loraDropout", reason: /\[0, 1\)/ },
  ];
  it.each(cases)("rejects $name naming the field", ({ change, field, reason }) => {
    const job = { ...base, ...change };
    for (const [key, value] of Object.entries(change)) if (value === undefined) delete (job as Record<string, unknown>)[key];
    let caught: unknown;
    try {
      validateTrainJob(job);
    } catch (error) {
      caught = error;
    }
    expect(TrainJobError.isInstance(caught)).toBe(true);
    expect((caught as TrainJobError).field).toBe(field);
    expect((caught as TrainJobError).reason).toMatch(reason);
  });

  it("a malformed job throws before any process starts", () => {
    // a launch would fail later with TrainerProcessError (no such interpreter); validation throws synchronously first
    expect(() => runTraining({ ...base, warmupSteps: -3 }, { python: "/nonexistent/python" })).toThrow(TrainJobError);
  });

  it("writes snake_case keys for the Python dataclass", () => {
    expect(trainJobToJson({ ...base, learningRate: 0.01, newTokenStart: 5, mode: "embeddings" })).toMatchObject({
      learning_rate: 0.01,
      new_token_start: 5,
      mode: "embeddings",
    });
  });
});

import { rmSync } from "node:fs";
import { join } from "node:path";
import { createTinyModel, fixtureTokenizerDirectory, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTraining } from "./run-training.js";
import { writeShardFixture } from "./testing/shard-fixture.js";
import type { StepEndEvent, TrainEvent } from "./train-event.js";
import type { TrainJob } from "./train-job.js";
import { TrainerProcessError } from "./trainer-process-error.js";
import { TrainingCancelledError } from "./training-cancelled-error.js";

const scratch = temporaryDirectory();
let model: string;
let data: string;

beforeAll(async () => {
  model = join(scratch.path, "model");
  await createTinyModel({
    out: model,
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    hiddenSize: 32,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    intermediateSize: 64,
    seed: 3,
  });
  data = writeShardFixture({ directory: join(scratch.path, "shards") });
});
afterAll(() => scratch.remove());

function job(name: string, fields: Partial<TrainJob> = {}): TrainJob {
  return { model, data, out: join(scratch.path, name), mode: "full", learningRate: 3e-3, perDeviceBatchSize: 4, seed: 11, ...fields };
}

async function collect(events: AsyncIterable<TrainEvent>): Promise<TrainEvent[]> {
  const all: TrainEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

const steps = (events: TrainEvent[]) => events.filter((event): event is StepEndEvent => event.type === "step-end");

describe("runTraining", () => {
  it("streams typed events and writes a model transformers loads", async () => {
    const run = runTraining(job("local", { maxSteps: 6, evalSteps: 3 }));
    const [events, result] = await Promise.all([collect(run.events), run.result]);
    expect(events.map((event) => event.type)).toEqual([
      "train-start",
      "step-end",
      "step-end",
      "step-end",
      "eval-end",
      "step-end",
      "step-end",
      "step-end",
      "eval-end",
      "train-end",
    ]);
    expect(result).toMatchObject({ out: join(scratch.path, "local"), step: 6 });
    expect(steps(events).every((event) => event.tokens_per_second > 0 && event.mfu === null)).toBe(true);
    const loaded = runPythonJson<{ model_type: string; max_new_tokens: number | null }>(
      `import json, sys\nfrom transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig\nm = AutoModelForCausalLM.from_pretrained(sys.argv[1]); AutoTokenizer.from_pretrained(sys.argv[1])\nprint(json.dumps({"model_type": m.config.model_type, "max_new_tokens": GenerationConfig.from_pretrained(sys.argv[1]).max_new_tokens}))`,
      { args: [result.out] },
    );
    expect(loaded.model_type).toBe("llama");
  });

  it("a Python exception surfaces as TrainerProcessError with the traceback tail and exit code", async () => {
    const broken = writeShardFixture({ directory: join(scratch.path, "broken-shards") });
    rmSync(join(broken, "train-00000.tokens.npy"));
    const run = runTraining(job("broken", { data: broken, maxSteps: 2 }));
    const error = await run.result.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(TrainerProcessError.isInstance(error)).toBe(true);
    const processError = error as TrainerProcessError;
    expect(processError).toMatchObject({ exitCode: 1, errorType: "FileNotFoundError" });
    expect(processError.tracebackTail).toMatch(/train-00000\.tokens\.npy/);
    expect(processError.tracebackTail).toMatch(/Traceback|File ".*shard_dataset\.py"/);
  });

  it("resumes after SIGKILL and ends within tolerance of an uninterrupted run", async () => {
    const target = 12;
    const reference = runTraining(job("reference", { maxSteps: target, saveSteps: 4 }));
    const referenceEvents = await collect(reference.events);

    const interrupted = job("interrupted", { maxSteps: target, saveSteps: 4 });
    const first = runTraining(interrupted);
    const pid = await first.pid;
    let killedAfter = 0;
    for await (const event of first.events) {
      if (event.type === "step-end" && event.step >= 6) {
        killedAfter = event.step;
        process.kill(-pid, "SIGKILL");
        break;
      }
    }
    const killed = await first.result.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(TrainerProcessError.isInstance(killed) && (killed as TrainerProcessError).signal).toBe("SIGKILL");
    expect(killedAfter).toBeGreaterThanOrEqual(6);

    const second = runTraining(interrupted);
    const [resumedEvents, result] = await Promise.all([collect(second.events), second.result]);
    const resume = resumedEvents.find((event) => event.type === "train-resume");
    expect(resume && resume.type === "train-resume" && resume.checkpoint).toMatch(/checkpoint-(4|8)$/);
    expect(result.step).toBe(target);
    const referenceLoss = steps(referenceEvents).at(-1)!.loss;
    const resumedLoss = steps(resumedEvents).at(-1)!.loss;
    expect(steps(resumedEvents)[0]!.step).toBeGreaterThan(4);
    expect(Math.abs(resumedLoss - referenceLoss)).toBeLessThan(0.02 * referenceLoss);
  });

  it("an AbortSignal kills the process group and rejects with TrainingCancelledError", async () => {
    const controller = new AbortController();
    const run = runTraining(job("cancelled", { maxSteps: 500 }), { signal: controller.signal });
    for await (const event of run.events) {
      if (event.type === "step-end") {
        controller.abort();
        break;
      }
    }
    const error = await run.result.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(TrainingCancelledError.isInstance(error)).toBe(true);
  });

  it("a 2-process torchrun (gloo on CPU) run with the bridge's FSDP config completes", async () => {
    const run = runTraining(job("torchrun", { mode: "embeddings", maxSteps: 3, perDeviceBatchSize: 2 }), {
      launcher: { kind: "torchrun", processesPerNode: 2, fsdp: true },
    });
    const [events, result] = await Promise.all([collect(run.events), run.result]);
    const start = events.find((event) => event.type === "train-start");
    expect(start && start.type === "train-start" && start.world_size).toBe(2);
    expect(events.filter((event) => event.type === "train-start")).toHaveLength(1); // rank 0 only
    expect(start && start.type === "train-start" && start.config.fsdp).toBe("full_shard auto_wrap");
    expect(result.step).toBe(3);
    const changed = runPythonJson<Record<string, boolean>>(
      `import json, sys, numpy as np\nfrom safetensors.numpy import load_file\na, b = load_file(sys.argv[1] + "/model.safetensors"), load_file(sys.argv[2] + "/model.safetensors")\nprint(json.dumps({k: bool(not np.array_equal(a[k], b[k])) for k in a}))`,
      { args: [model, result.out] },
    );
    // the full (unsharded) tensors were saved: embeddings trained, every other tensor untouched
    expect(
      Object.entries(changed)
        .filter(([, value]) => value)
        .map(([name]) => name)
        .sort(),
    ).toEqual(["lm_head.weight", "model.embed_tokens.weight"]);
  });
});

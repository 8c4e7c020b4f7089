// runTraining's Slurm launcher, with Slurm's three commands played by small shell
// scripts (sbatch runs the batch script here, srun runs its command, scontrol names this host):
// the real batch script, torchrun, trainer and event following.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTinyModel, fixtureTokenizerDirectory, repositoryRoot, runPython, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTraining } from "./run-training.js";
import { SlurmJobError } from "./slurm-job-error.js";
import type { TrainEvent } from "./train-event.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
const bin = join(work.path, "bin");
let model: string;
let data: string;

function script(name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

beforeAll(async () => {
  mkdirSync(bin, { recursive: true });
  script(
    "sbatch",
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, where ${...} is the shell's expansion
      'output=""; for argument in "$@"; do case "$argument" in --output=*) output="${argument#--output=}";; --*) ;; *) batch="$argument";; esac; done',
      'export PATH="$(dirname "$0"):$PATH" SLURM_JOB_NODELIST=localhost SLURM_NNODES=1 SLURM_JOB_ID=4242',
      "echo 4242",
      'bash "$batch" > "$output" 2>&1',
    ].join("\n"),
  );
  script("srun", 'exec "$@"');
  script("scontrol", "echo localhost");
  model = await createTinyModel({
    out: join(work.path, "model"),
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    hiddenSize: 32,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediateSize: 32,
    seed: 2,
  });
  data = join(work.path, "shards");
  runPython(`import sys; sys.path.insert(0, sys.argv[2]); from conftest import write_shards; write_shards(sys.argv[1], max_token=316)`, {
    args: [data, join(repositoryRoot(), "packages/train-bridge/python/tests")],
  });
});

describe("runTraining with the Slurm launcher", () => {
  it("submits the bridge's batch script with sbatch --wait and follows the trainer's events in the job output", async () => {
    const directory = join(work.path, "job");
    mkdirSync(directory, { recursive: true });
    const events: TrainEvent[] = [];
    const output = join(work.path, "out");
    const run = runTraining(
      { model, data, out: output, mode: "full", maxSteps: 2, perDeviceBatchSize: 2, learningRate: 1e-3, saveSteps: 0 },
      { launcher: { kind: "slurm", nodes: 1, gpusPerNode: 1, jobName: "graft-test", directory, sbatch: join(bin, "sbatch") } },
    );
    for await (const event of run.events) events.push(event);
    const result = await run.result;
    expect(result.step).toBe(2);
    expect(result.out).toBe(output);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(["train-start", "step-end", "train-end"]));
    expect(result.events).toEqual(events);
    expect(existsSync(join(output, "model.safetensors"))).toBe(true);
    expect(readFileSync(join(directory, "train.sbatch"), "utf8")).toMatch(
      /#SBATCH --job-name=graft-test[\s\S]*--rdzv-endpoint "\$head_node:\d+"[\s\S]*--job .*job\.json/,
    );
  });

  it("without Slurm, a SlurmJobError says so before anything runs", async () => {
    const directory = join(work.path, "no-slurm");
    mkdirSync(directory, { recursive: true });
    const failure = await runTraining(
      { model, data, out: join(work.path, "never"), mode: "full", maxSteps: 1 },
      { launcher: { kind: "slurm", nodes: 1, gpusPerNode: 1, jobName: "graft-test", directory, sbatch: join(bin, "no-such-sbatch") } },
    ).result.catch((error: unknown) => error);
    expect(SlurmJobError.isInstance(failure) && (failure as SlurmJobError).exitCode).toBe(null);
    expect((failure as Error).message).toMatch(/could not run sbatch: .*local or torchrun launcher/);
    expect(existsSync(join(work.path, "never"))).toBe(false);
  });
});

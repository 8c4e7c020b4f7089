import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createTinyModel, fixtureTokenizerDirectory, repositoryRoot, runPython, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../usage-error.js";
import { trainCommand } from "./train.js";

const work = temporaryDirectory();
let model: string;
let data: string;

beforeAll(async () => {
  model = join(work.path, "model");
  await createTinyModel({
    out: model,
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    hiddenSize: 32,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediateSize: 32,
    seed: 2,
  });
  // shards (docs/contracts.md) written by numpy, through the trainer's own pytest fixture
  data = join(work.path, "shards");
  runPython(`import sys, os; sys.path.insert(0, sys.argv[2]); from conftest import write_shards; write_shards(sys.argv[1], max_token=316)`, {
    args: [data, join(repositoryRoot(), "packages/train-bridge/python/tests")],
  });
});
afterAll(() => work.remove());

function io() {
  const stdout = new PassThrough();
  let printed = "";
  stdout.on("data", (chunk) => (printed += chunk));
  return { context: { stdout, stderr: new PassThrough(), json: false }, printed: () => printed };
}

describe("graft train", () => {
  it("trains with progress lines (loss, tokens/s, ETA)", async () => {
    const { context, printed } = io();
    const out = join(work.path, "out");
    const code = await trainCommand.run(
      { values: { model, data, mode: "full", out, "max-steps": "3", "batch-size": "4", "learning-rate": "1e-3" }, positionals: [] },
      context,
    );
    expect(code).toBe(0);
    expect(printed()).toMatch(/step 3\/3 100\.0% {2}loss \d+\.\d{4} .* tok\/s {2}eta /);
    expect(printed()).toContain(`done: ${out}`);
    expect(existsSync(join(out, "model.safetensors"))).toBe(true);
  });

  it("rejects a malformed flag before launching Python", async () => {
    const { context } = io();
    const run = trainCommand.run(
      { values: { model, data, mode: "full", out: join(work.path, "x"), "max-steps": "ten", python: "/nonexistent/python" }, positionals: [] },
      context,
    );
    await expect(run).rejects.toSatisfy(
      (error: unknown) => UsageError.isInstance(error) && error.message === '--max-steps must be a whole number >= 1, got "ten"; see graft train --help',
    );
  });

  it("writes a Slurm batch script with one torchrun per node", async () => {
    const { context } = io();
    const script = join(work.path, "train.sbatch");
    const code = await trainCommand.run(
      { values: { model, data, mode: "embeddings", out: join(work.path, "lep"), "slurm-script": script, nodes: "4", "gpus-per-node": "8" }, positionals: [] },
      context,
    );
    expect(code).toBe(0);
    const text = readFileSync(script, "utf8");
    expect(text).toContain("#SBATCH --nodes=4");
    expect(text).toMatch(/--nproc-per-node 8 .*\n.*--rdzv-endpoint "\$head_node:29500"/);
    expect(JSON.parse(readFileSync(`${script}.job.json`, "utf8"))).toMatchObject({ mode: "embeddings", output: join(work.path, "lep") });
  });
});

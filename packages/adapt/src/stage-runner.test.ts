import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { RUN_LOCK_FILE } from "./run-lock.js";
import { RunLockedError } from "./run-locked-error.js";
import { StageFailedError } from "./stage-failed-error.js";
import { planStages, runStages, STAGE_MARKER, type StageRunnerEvent } from "./stage-runner.js";
import { type CountingOptions, countingPipeline, journalOf } from "./testing/counting-pipeline.js";
import { UnknownStageError } from "./unknown-stage-error.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
let counter = 0;

/** A fresh work directory and journal. */
function setup(options: Partial<CountingOptions> = {}) {
  counter += 1;
  const directory = join(work.path, `run-${counter}`);
  const journal = join(work.path, `journal-${counter}.txt`);
  const pipeline = (overrides: Partial<CountingOptions> = {}) => countingPipeline({ words: 3, journal, ...options, ...overrides });
  return { directory, journal, pipeline, ran: () => journalOf(journal) };
}

const planOf = async (...arguments_: Parameters<typeof planStages>) => (await planStages(...arguments_)).map((step) => `${step.name}:${step.reason}`);
const read = (directory: string, stage: string, file: string) => readFileSync(join(directory, stage, file), "utf8");

describe("runStages", () => {
  it("runs every stage once, writes markers and logs; a rerun skips them all", async () => {
    const { directory, pipeline, ran } = setup();
    const events: StageRunnerEvent[] = [];
    await runStages(pipeline(), directory, { onEvent: (event) => events.push(event) });
    expect(read(directory, "report", "report.txt")).toBe("double=6");
    expect(JSON.parse(read(directory, "double", STAGE_MARKER))).toMatchObject({ stage: "double", summary: { double: 6 } });
    expect(read(join(directory, "logs"), ".", "double.log")).toContain('double wrote {"double":6}');
    expect(events.filter((event) => event.type === "stage-start").map((event) => `${event.index}/${event.total} ${event.stage}`)).toEqual([
      "1/5 count",
      "2/5 side",
      "3/5 double",
      "4/5 steps",
      "5/5 report",
    ]);
    expect(events.filter((event) => event.type === "stage-progress").map((event) => event.kind)).toEqual(["unit-end", "unit-end", "unit-end", "unit-end"]);
    expect(existsSync(join(directory, ".resume", `steps-${JSON.parse(read(directory, "steps", STAGE_MARKER)).key}`))).toBe(false);
    expect(existsSync(join(directory, RUN_LOCK_FILE))).toBe(false);

    const again: StageRunnerEvent[] = [];
    await runStages(pipeline(), directory, { onEvent: (event) => again.push(event) });
    expect(ran()).toEqual(["count", "side", "double", "steps", "report"]);
    expect(again.filter((event) => event.type === "stage-skip").length).toBe(5);
  });

  it("a changed setting changes the key: that stage and its dependents rerun, the plan names the setting", async () => {
    const { directory, pipeline, ran } = setup();
    await runStages(pipeline(), directory);
    const plan = await planStages(pipeline({ words: 4 }), directory);
    expect(plan.map((step) => `${step.name}:${step.reason}`)).toEqual([
      "count:key-changed",
      "side:up-to-date",
      "double:key-changed",
      "steps:key-changed",
      "report:key-changed",
    ]);
    expect(plan[0]?.detail).toBe("words: 3 -> 4");
    expect(plan[2]?.detail).toBe("upstream count");
    expect(plan[0]?.key).not.toBe(JSON.parse(read(directory, "count", STAGE_MARKER)).key);
    await runStages(pipeline({ words: 4 }), directory);
    expect(read(directory, "report", "report.txt")).toBe("double=8");
    expect(ran()).toEqual(["count", "side", "double", "steps", "report", "count", "double", "steps", "report"]);
  });

  it("an input file's content is part of the key", async () => {
    const input = join(work.path, "input.txt");
    writeFileSync(input, "abc");
    const { directory, pipeline } = setup({ input });
    await runStages(pipeline(), directory);
    expect(await planOf(pipeline(), directory)).toEqual(["count:up-to-date", "side:up-to-date", "double:up-to-date", "steps:up-to-date", "report:up-to-date"]);
    writeFileSync(input, "abcd");
    const plan = await planStages(pipeline(), directory);
    expect(plan[0]).toMatchObject({ reason: "key-changed", detail: `input ${input}` });
  });

  const forcing = [
    {
      name: "--from double redoes double and its dependents only",
      options: { from: "double" },
      expected: ["count:up-to-date", "side:up-to-date", "double:forced", "steps:forced", "report:forced"],
    },
    {
      name: "--from side redoes side alone",
      options: { from: "side" },
      expected: ["count:up-to-date", "side:forced", "double:up-to-date", "steps:up-to-date", "report:up-to-date"],
    },
    {
      name: "--force redoes everything",
      options: { force: true },
      expected: ["count:forced", "side:forced", "double:forced", "steps:forced", "report:forced"],
    },
    { name: "--until double plans up to double", options: { until: "double", force: true }, expected: ["count:forced", "side:forced", "double:forced"] },
    {
      name: "--until with --from stops after that stage",
      options: { until: "double", from: "count" },
      expected: ["count:forced", "side:up-to-date", "double:forced"],
    },
    {
      name: "from several stages redoes each and their dependents",
      options: { from: ["side", "steps"] },
      expected: ["count:up-to-date", "side:forced", "double:up-to-date", "steps:forced", "report:forced"],
    },
  ];
  it.each(forcing)("$name", async ({ options, expected }) => {
    const { directory, pipeline, ran } = setup();
    await runStages(pipeline(), directory);
    expect(await planOf(pipeline(), directory, options)).toEqual(expected);
    await runStages(pipeline(), directory, options);
    expect(ran().slice(5)).toEqual(expected.filter((entry) => entry.endsWith(":forced")).map((entry) => entry.split(":")[0]));
  });

  it("from several stages: the plan names the one that forces each", async () => {
    const { directory, pipeline } = setup();
    await runStages(pipeline(), directory);
    const plan = await planStages(pipeline(), directory, { from: ["steps", "count"] });
    expect(plan.filter((step) => step.reason === "forced").map((step) => `${step.name}: ${step.detail}`)).toEqual([
      "count: --from count",
      "double: after count (--from)",
      "steps: --from steps",
      "report: after steps (--from)",
    ]);
    expect(plan[1]?.reason).toBe("up-to-date");
    await expect(planStages(pipeline(), directory, { from: ["count", "nope"] })).rejects.toSatisfy(
      (error: unknown) => UnknownStageError.isInstance(error) && /--from nope: no such stage/.test((error as Error).message),
    );
  });

  it("--from / --until with an unknown stage fails naming the stages", async () => {
    const { directory, pipeline } = setup();
    await expect(planStages(pipeline(), directory, { from: "nope" })).rejects.toSatisfy(
      (error: unknown) =>
        UnknownStageError.isInstance(error) && /--from nope: no such stage; .* count, side, double, steps, report/.test((error as Error).message),
    );
  });

  it("a stage that throws leaves no output, keeps its log, and the rerun starts there", async () => {
    const { directory, pipeline, ran } = setup();
    const failure = await runStages(pipeline({ fail: "double" }), directory).catch((error: unknown) => error);
    expect(StageFailedError.isInstance(failure) && (failure as StageFailedError).stage).toBe("double");
    expect(existsSync(join(directory, "double"))).toBe(false);
    expect(existsSync(join(directory, ".partial", "double"))).toBe(false);
    expect(read(join(directory, "logs"), ".", "double.log")).toContain("double broke midway");
    expect(await planOf(pipeline(), directory)).toEqual(["count:up-to-date", "side:up-to-date", "double:missing", "steps:missing", "report:missing"]);
    await runStages(pipeline(), directory);
    expect(ran()).toEqual(["count", "side", "double", "double", "steps", "report"]);
  });
});

const runner = fileURLToPath(new URL("./testing/run-counting-pipeline.ts", import.meta.url));

/** Starts the pipeline in a child process; resolves once `steps` waits before `waitBefore`, with the child. */
async function startAndWait(directory: string, options: CountingOptions) {
  const child = spawn(process.execPath, ["--import", "tsx", runner, directory, JSON.stringify(options)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  for (let waited = 0; !existsSync(options.waitFile as string); waited += 100) {
    if (waited > 60_000 || child.exitCode !== null) throw new Error(`the pipeline process did not reach the wait point: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, exited };
}

describe("runStages after a kill", () => {
  it("SIGKILL inside a stage: no half output is visible, the lock is taken over, finished stages are kept and the stage resumes from its own progress", async () => {
    const { directory, journal, pipeline, ran } = setup();
    const waitFile = join(work.path, "waiting.pid");
    const { child, exited } = await startAndWait(directory, { words: 3, journal, waitBefore: 3, waitFile });
    // units 1 and 2 are done (their files in the resume directory), the stage is half written
    expect(existsSync(join(directory, ".partial", "steps", "half-written.txt"))).toBe(true);
    child.kill("SIGKILL");
    await exited;

    expect(existsSync(join(directory, "steps"))).toBe(false);
    expect(existsSync(join(directory, RUN_LOCK_FILE))).toBe(true); // left by the dead process
    const plan = await planStages(pipeline(), directory);
    expect(plan.map((step) => `${step.name}:${step.reason}`)).toEqual([
      "count:up-to-date",
      "side:up-to-date",
      "double:up-to-date",
      "steps:missing",
      "report:missing",
    ]);
    expect(plan[3]).toMatchObject({ resumes: true, detail: "an interrupted attempt did not finish; resumes from its checkpoints" });

    await runStages(pipeline(), directory);
    expect(ran()).toEqual(["count", "side", "double", "steps", "steps", "report"]);
    expect(JSON.parse(read(directory, "steps", STAGE_MARKER)).summary).toEqual({ unitsThisAttempt: [3, 4] });
    expect(existsSync(join(directory, "steps", "half-written.txt"))).toBe(false);
    expect(existsSync(join(directory, ".partial", "steps"))).toBe(false);
    expect(read(directory, "report", "report.txt")).toBe("double=6");
  });

  it("a second run on a directory a live process holds fails before any work", async () => {
    const { directory, journal, pipeline } = setup();
    const waitFile = join(work.path, "waiting-live.pid");
    const { child, exited } = await startAndWait(directory, { words: 3, journal, waitBefore: 1, waitFile });
    try {
      await expect(runStages(pipeline(), directory)).rejects.toSatisfy(
        (error: unknown) => RunLockedError.isInstance(error) && (error as RunLockedError).pid === child.pid,
      );
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  });

  it("a forced stage (--from) discards an interrupted attempt's progress", async () => {
    const { directory, journal, pipeline } = setup();
    const waitFile = join(work.path, "waiting-force.pid");
    const { child, exited } = await startAndWait(directory, { words: 3, journal, waitBefore: 3, waitFile });
    child.kill("SIGKILL");
    await exited;
    await mkdir(join(directory, "unrelated"), { recursive: true });
    await writeFile(join(directory, "unrelated", "keep.txt"), "mine");
    await runStages(pipeline(), directory, { from: "steps" });
    expect(JSON.parse(read(directory, "steps", STAGE_MARKER)).summary).toEqual({ unitsThisAttempt: [1, 2, 3, 4] });
    expect(read(directory, "unrelated", "keep.txt")).toBe("mine");
  });
});

import { describe, expect, it } from "vitest";
import type { AdaptEvent } from "./adapt.js";
import { createProgressDisplay, formatPlan, formatStageEvent } from "./format-stage-event.js";
import type { StageRunnerEvent } from "./stage-runner.js";

const progress = (kind: string, fields: Record<string, unknown> = {}): StageRunnerEvent => ({
  type: "stage-progress",
  stage: "embeddings",
  index: 5,
  total: 11,
  kind,
  ...fields,
});

describe("formatStageEvent", () => {
  const cases: { name: string; event: AdaptEvent; expected: string | undefined }[] = [
    {
      name: "training step with rate and ETA",
      event: progress("step-end", { step: 30, of: 150, loss: 3.14161, tokensPerSecond: 1234.5, etaSeconds: 125 }),
      expected: "[5/11] embeddings: step 30/150 (20%)  loss 3.1416  1235 tok/s  eta 2 min",
    },
    {
      name: "other progress as key=value",
      event: progress("corpus-progress", { documents: 2000, documentsPerSecond: 1262.345 }),
      expected: "[5/11] embeddings: corpus-progress documents=2000 documentsPerSecond=1262",
    },
    {
      name: "skip with its reason",
      event: { type: "stage-skip", stage: "vocab", index: 2, total: 11, detail: "finished 2026-11-22T16:00:00.000Z" },
      expected: "[2/11] vocab: up to date (finished 2026-11-22T16:00:00.000Z)",
    },
    {
      name: "failure with its log",
      event: { type: "stage-fail", stage: "lep", index: 6, total: 11, seconds: 3, message: "LepInputError: hidden_size\nmore", log: "run/logs/lep.log" },
      expected: "[6/11] lep: FAILED after 3 s: LepInputError: hidden_size (log run/logs/lep.log)",
    },
    { name: "where the report is", event: { type: "report", path: "run/eval/report.html" }, expected: "report: run/eval/report.html" },
    {
      name: "a dry run's plan is formatPlan's table, not a line per event",
      event: {
        type: "stage-plan",
        name: "lep",
        action: "run",
        reason: "missing",
        detail: "not run yet",
        key: "0123456789abcdef",
        out: "run/lep",
        resumes: false,
      },
      expected: undefined,
    },
  ];
  it.each(cases)("$name", ({ event, expected }) => expect(formatStageEvent(event)).toBe(expected));
});

describe("createProgressDisplay", () => {
  it("shows a stage's progress at most every 5 s, always the rare kinds, and the held-back last line before the end", () => {
    let clock = 0;
    const display = createProgressDisplay(() => clock);
    const shown = (event: StageRunnerEvent, at: number) => {
      clock = at;
      return display(event).map((line) => line.replace(/^\[5\/11\] embeddings: /, ""));
    };
    expect(
      shown({ type: "stage-start", stage: "embeddings", index: 5, total: 11, reason: "missing", detail: "not run yet", resumes: false, log: "l" }, 0),
    ).toHaveLength(1);
    expect(shown(progress("tensor-written", { done: 1 }), 1)).toEqual([]);
    expect(shown(progress("train-resume", { checkpoint: "c" }), 2)).toEqual(["train-resume checkpoint=c"]);
    expect(shown(progress("tensor-written", { done: 2 }), 6)).toEqual([]);
    expect(shown(progress("tensor-written", { done: 3 }), 7.5)).toEqual(["tensor-written done=3"]);
    expect(shown(progress("tensor-written", { done: 4 }), 8)).toEqual([]);
    expect(shown({ type: "stage-end", stage: "embeddings", index: 5, total: 11, seconds: 9, out: "o" }, 9)).toEqual(["tensor-written done=4", "done in 9 s"]);
  });
});

describe("formatPlan", () => {
  it("one line per stage: action, name, reason, why, key", () => {
    const text = formatPlan([
      { name: "corpus", action: "skip", reason: "up-to-date", detail: "finished then", key: "0123456789abcdef", out: "o", resumes: false },
      { name: "embeddings", action: "run", reason: "key-changed", detail: "train.maxSteps: 100 -> 200", key: "fedcba9876543210", out: "o", resumes: false },
    ]);
    expect(text.split("\n")).toEqual([
      " 1. skip  corpus      up-to-date   finished then  [key 0123456789abcdef]",
      " 2. run   embeddings  key-changed  train.maxSteps: 100 -> 200  [key fedcba9876543210]",
    ]);
  });
});

import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { parseAdaptConfig, AdaptConfigError, EXAMPLE_CONFIG } from "./adapt-config.js";
import { planStages, runStages, STAGE_MARKER, type Stage } from "./stage-runner.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

/** Three real stages writing files; `runs` counts how often each ran; `fail` makes one throw midway. */
function pipeline(settings: { words: number }, runs: Record<string, number>, fail?: string): Stage[] {
  const stage = (name: string, after: string[], build: (out: string) => Promise<void>): Stage => ({
    name,
    settings: name === "count" ? settings : {},
    after,
    inputs: [],
    run: async ({ out, log }) => {
      runs[name] = (runs[name] ?? 0) + 1;
      await mkdir(out, { recursive: true });
      if (fail === name) {
        await writeFile(join(out, "partial.txt"), "half");
        throw new Error(`${name} was killed`);
      }
      await build(out);
      log(`${name} ok`);
      return { name };
    },
  });
  return [
    stage("count", [], async (out) => writeFile(join(out, "count.txt"), String(settings.words))),
    stage("double", ["count"], async (out) => writeFile(join(out, "double.txt"), String(2 * Number(readFileSync(join(out, "..", "count", "count.txt"), "utf8"))))),
    stage("report", ["double"], async (out) => writeFile(join(out, "report.txt"), `double=${readFileSync(join(out, "..", "double", "double.txt"), "utf8")}`)),
  ];
}

describe("runStages", () => {
  it("runs missing stages, skips finished ones, and reruns what a changed setting or --from/--force touches", async () => {
    const directory = join(work.path, "engine");
    const runs: Record<string, number> = {};
    await runStages(pipeline({ words: 3 }, runs), directory);
    expect(readFileSync(join(directory, "report", "report.txt"), "utf8")).toBe("double=6");
    expect(readFileSync(join(directory, "logs", "double.log"), "utf8")).toContain("double ok");
    await runStages(pipeline({ words: 3 }, runs), directory);
    expect(runs).toEqual({ count: 1, double: 1, report: 1 });

    expect(planStages(pipeline({ words: 4 }, runs), directory).map((step) => `${step.name}:${step.action}:${step.reason}`)).toEqual(["count:run:key-changed", "double:run:key-changed", "report:run:key-changed"]);
    await runStages(pipeline({ words: 4 }, runs), directory);
    expect(readFileSync(join(directory, "report", "report.txt"), "utf8")).toBe("double=8");
    expect(runs).toEqual({ count: 2, double: 2, report: 2 });

    expect(planStages(pipeline({ words: 4 }, runs), directory, { from: "double" }).map((step) => step.reason)).toEqual(["up-to-date", "forced", "forced"]);
    await runStages(pipeline({ words: 4 }, runs), directory, { from: "double" });
    expect(runs).toEqual({ count: 2, double: 3, report: 3 });
    await runStages(pipeline({ words: 4 }, runs), directory, { force: true });
    expect(runs).toEqual({ count: 3, double: 4, report: 4 });
    expect(() => planStages(pipeline({ words: 4 }, runs), directory, { from: "nope" })).toThrow(/no such stage/);
  });

  it("a stage killed midway leaves no marker; the rerun resumes there and replaces the partial output", async () => {
    const directory = join(work.path, "resume");
    const runs: Record<string, number> = {};
    await expect(runStages(pipeline({ words: 5 }, runs, "double"), directory)).rejects.toThrow(/double was killed/);
    expect(existsSync(join(directory, "count", STAGE_MARKER))).toBe(true);
    expect(existsSync(join(directory, "double", STAGE_MARKER))).toBe(false);
    expect(planStages(pipeline({ words: 5 }, runs), directory).map((step) => step.reason)).toEqual(["up-to-date", "missing", "missing"]);
    await runStages(pipeline({ words: 5 }, runs), directory);
    expect(existsSync(join(directory, "double", "partial.txt"))).toBe(false);
    expect(readFileSync(join(directory, "report", "report.txt"), "utf8")).toBe("double=10");
    expect(runs).toEqual({ count: 1, double: 2, report: 1 });
  });
});

describe("parseAdaptConfig", () => {
  it("accepts the --init example and resolves paths against the config file", () => {
    const config = parseAdaptConfig(EXAMPLE_CONFIG, "/projects/ru/adapt.yaml");
    expect(config.base).toBe("/projects/ru/models/llama-3-8b");
    expect(config.corpus).toEqual(["/projects/ru/data/ru-train.txt.gz"]);
    expect(config.inscp?.on).toEqual(["lep", "instruct"]);
  });

  const broken = [
    { name: "vocab.add missing", edit: (text: string) => text.replace("add: 32000", "add: many"), field: "vocab.add" },
    { name: "no learning rate", edit: (text: string) => text.replace("learningRate: 2.0e-4", "learningRate: -1"), field: "embeddings.learningRate" },
    { name: "inscp on an unknown model", edit: (text: string) => text.replace("on: [lep, instruct]", "on: [base]"), field: "inscp.on" },
    { name: "not YAML", edit: () => "base: [unclosed", field: "(file)" },
  ];
  it.each(broken)("names the field: $name", ({ edit, field }) => {
    let error: unknown;
    try {
      parseAdaptConfig(edit(EXAMPLE_CONFIG), "adapt.yaml");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AdaptConfigError);
    expect((error as AdaptConfigError).field).toBe(field);
  });
});

// A small real pipeline for the stage engine's tests: stages that read their upstream's files and
// write their own. `count` writes N; `double` writes 2N; `report` writes "double=2N"; `side` (no
// upstream) writes a constant; `steps` works through units one file at a time, keeping its progress
// in the resume directory (a stand-in for training checkpoints), and can wait before a unit so a
// test can kill the process there.
import { existsSync, readFileSync } from "node:fs";
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Stage } from "../stage.js";

export interface CountingOptions {
  words: number;
  /** Path of a file appended with the name of every stage run (survives the process). */
  journal: string;
  /** Input file read by `count` (its content enters the key). */
  input?: string;
  /** `steps`: how many units; the unit before which it touches `waitFile` and waits forever. */
  units?: number;
  waitBefore?: number;
  waitFile?: string;
  /** This stage throws after writing half its output. */
  fail?: string;
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

export function countingPipeline(options: CountingOptions): Stage[] {
  const stage = (
    name: string,
    after: string[],
    settings: Record<string, unknown>,
    build: (context: Parameters<Stage["run"]>[0]) => Promise<Record<string, unknown>>,
  ): Stage => ({
    name,
    settings,
    after,
    inputs: name === "count" && options.input ? [options.input] : [],
    run: async (context) => {
      await appendFile(options.journal, `${name}\n`);
      await mkdir(context.out, { recursive: true });
      if (options.fail === name) {
        await writeFile(join(context.out, "half.txt"), "half");
        throw new Error(`${name} broke midway`);
      }
      const summary = await build(context);
      context.log(`${name} wrote ${JSON.stringify(summary)}`);
      return summary;
    },
  });
  const units = options.units ?? 4;
  return [
    stage("count", [], { words: options.words }, async ({ out }) => {
      const extra = options.input ? readFileSync(options.input, "utf8").trim().length : 0;
      await writeFile(join(out, "count.txt"), String(options.words + extra));
      return { count: options.words + extra };
    }),
    stage("side", [], {}, async ({ out }) => {
      await writeFile(join(out, "side.txt"), "side");
      return {};
    }),
    stage("double", ["count"], {}, async ({ out, upstream }) => {
      const value = 2 * Number(readFileSync(join(upstream("count"), "count.txt"), "utf8"));
      await writeFile(join(out, "double.txt"), String(value));
      return { double: value };
    }),
    stage("steps", ["double"], { units }, async ({ out, resumeDirectory, progress }) => {
      const done: number[] = [];
      for (let unit = 1; unit <= units; unit += 1) {
        const checkpoint = join(resumeDirectory, `unit-${unit}`);
        if (existsSync(checkpoint)) continue;
        if (unit === options.waitBefore && options.waitFile) {
          await writeFile(join(out, "half-written.txt"), "not finished");
          await writeFile(options.waitFile, String(process.pid));
          for (;;) await sleep(1000);
        }
        await writeFile(checkpoint, "done");
        done.push(unit);
        progress({ type: "unit-end", unit, of: units });
      }
      await writeFile(join(out, "steps.txt"), String(units));
      return { unitsThisAttempt: done };
    }),
    stage("report", ["double", "steps"], {}, async ({ out, upstream }) => {
      await writeFile(join(out, "report.txt"), `double=${readFileSync(join(upstream("double"), "double.txt"), "utf8")}`);
      return {};
    }),
  ];
}

/** The stages run so far, in order, from the journal. */
export function journalOf(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
}

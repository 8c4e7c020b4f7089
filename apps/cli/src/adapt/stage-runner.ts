import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One pipeline stage: its settings and upstream stages decide its key; `run` writes `out` atomically. */
export interface Stage {
  name: string;
  /** Everything that changes the output (JSON-serialisable). */
  settings: Record<string, unknown>;
  /** Stages whose outputs this one reads. */
  after: string[];
  /** Files read from outside the pipeline (their size and modification time enter the key). */
  inputs: string[];
  run(context: { out: string; key: string; log: (line: string) => void; event: (event: Record<string, unknown>) => void }): Promise<Record<string, unknown> | void>;
}

export type StagePlan = { name: string; action: "run" | "skip"; reason: "missing" | "key-changed" | "forced" | "up-to-date"; key: string; out: string };

export type StageRunnerEvent =
  | { event: "stage-start"; stage: string; index: number; total: number; reason: StagePlan["reason"] }
  | { event: "stage-skip"; stage: string; index: number; total: number }
  | { event: "stage-end"; stage: string; index: number; total: number; seconds: number; summary?: Record<string, unknown> }
  | { event: "stage-progress"; stage: string; [key: string]: unknown };

/** Written into each finished stage's output directory. */
export const STAGE_MARKER = ".graft-stage.json";

function fileIdentity(path: string): string {
  if (!existsSync(path)) return `${path}:missing`;
  const stat = statSync(path);
  return `${path}:${stat.size}:${Math.floor(stat.mtimeMs)}`;
}

/** The key of every stage: sha256 over its name, settings, input files and upstream keys. */
export function stageKeys(stages: readonly Stage[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const stage of stages) {
    const upstream = stage.after.map((name) => {
      const key = keys.get(name);
      if (!key) throw new Error(`stage ${stage.name} runs after ${name}, which is not before it`);
      return key;
    });
    const hash = createHash("sha256").update(JSON.stringify({ name: stage.name, settings: stage.settings, inputs: stage.inputs.map(fileIdentity), upstream }));
    keys.set(stage.name, hash.digest("hex").slice(0, 16));
  }
  return keys;
}

function recordedKey(out: string): string | undefined {
  const marker = join(out, STAGE_MARKER);
  if (!existsSync(marker)) return undefined;
  try {
    return (JSON.parse(readFileSync(marker, "utf8")) as { key?: string }).key;
  } catch {
    return undefined;
  }
}

/** What would run and why: missing output, key changed (settings or upstream), forced (`from` / `force`). */
export function planStages(stages: readonly Stage[], workDirectory: string, options: { from?: string; force?: boolean } = {}): StagePlan[] {
  const keys = stageKeys(stages);
  if (options.from && !stages.some((stage) => stage.name === options.from)) throw new Error(`--from ${options.from}: no such stage (${stages.map((stage) => stage.name).join(", ")})`);
  let forcing = options.force === true;
  const plan: StagePlan[] = [];
  const rerun = new Set<string>();
  for (const stage of stages) {
    if (stage.name === options.from) forcing = true;
    const key = keys.get(stage.name) as string;
    const out = join(workDirectory, stage.name);
    const recorded = recordedKey(out);
    let reason: StagePlan["reason"] = "up-to-date";
    if (forcing) reason = "forced";
    else if (recorded === undefined) reason = "missing";
    else if (recorded !== key || stage.after.some((name) => rerun.has(name))) reason = "key-changed";
    if (reason !== "up-to-date") rerun.add(stage.name);
    plan.push({ name: stage.name, action: reason === "up-to-date" ? "skip" : "run", reason, key, out });
  }
  return plan;
}

/** Runs the plan: finished stages are skipped, each stage writes its log and marker; stops at the first failure. */
export async function runStages(stages: readonly Stage[], workDirectory: string, options: { from?: string; force?: boolean; onEvent?: (event: StageRunnerEvent) => void; onLog?: (stage: string, line: string) => void } = {}): Promise<StagePlan[]> {
  const plan = planStages(stages, workDirectory, options);
  await mkdir(join(workDirectory, "logs"), { recursive: true });
  for (const [index, step] of plan.entries()) {
    const stage = stages[index] as Stage;
    const total = plan.length;
    if (step.action === "skip") {
      options.onEvent?.({ event: "stage-skip", stage: step.name, index: index + 1, total });
      continue;
    }
    options.onEvent?.({ event: "stage-start", stage: step.name, index: index + 1, total, reason: step.reason });
    const started = performance.now();
    const logLines: string[] = [];
    const logPath = join(workDirectory, "logs", `${step.name}.log`);
    const log = (line: string) => {
      logLines.push(line);
      options.onLog?.(step.name, line);
    };
    try {
      // A stage's output directory belongs to the runner: an unfinished or outdated one is replaced.
      await rm(step.out, { recursive: true, force: true });
      const summary = (await stage.run({ out: step.out, key: step.key, log, event: (event) => options.onEvent?.({ ...event, kind: event.event, event: "stage-progress", stage: step.name }) })) ?? undefined;
      const seconds = (performance.now() - started) / 1000;
      await writeFile(join(step.out, STAGE_MARKER), `${JSON.stringify({ key: step.key, stage: step.name, finished: new Date().toISOString(), seconds, summary }, null, 2)}\n`);
      options.onEvent?.({ event: "stage-end", stage: step.name, index: index + 1, total, seconds, summary });
    } finally {
      await writeFile(logPath, `${logLines.join("\n")}\n`);
    }
  }
  return plan;
}

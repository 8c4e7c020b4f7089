import { createWriteStream, existsSync, readdirSync, type WriteStream } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type PlanOptions, planStages, type StagePlan, type StageReason, stageDirectories } from "./plan-stages.js";
import { acquireRunLock } from "./run-lock.js";
import type { Stage } from "./stage.js";
import { StageFailedError } from "./stage-failed-error.js";
import { StageGraphError } from "./stage-graph-error.js";
import { stageKeys } from "./stage-keys.js";
import { STAGE_MARKER, type StageMarker } from "./stage-marker.js";

export { type PlanOptions, planStages, type StagePlan, type StageReason } from "./plan-stages.js";
export type { Stage, StageContext } from "./stage.js";
export { type StageKey, stageKeys } from "./stage-keys.js";
export { readStageMarker, STAGE_MARKER, type StageMarker } from "./stage-marker.js";

/** Events of a run, in order; `--json` prints them one per line. */
export type StageRunnerEvent =
  | { type: "run-start"; stages: number; toRun: number; workDirectory: string }
  | { type: "stage-skip"; stage: string; index: number; total: number; detail: string }
  | { type: "stage-start"; stage: string; index: number; total: number; reason: StageReason; detail: string; resumes: boolean; log: string }
  | { type: "stage-progress"; stage: string; index: number; total: number; kind: string; [field: string]: unknown }
  | { type: "stage-end"; stage: string; index: number; total: number; seconds: number; out: string; summary?: Record<string, unknown> }
  | { type: "stage-fail"; stage: string; index: number; total: number; seconds: number; message: string; log: string }
  | { type: "run-end"; seconds: number; ran: string[]; skipped: string[] };

export interface RunStagesOptions extends PlanOptions {
  onEvent?: (event: StageRunnerEvent) => void;
  /** Every line a stage logs (its log file gets them too). */
  onLog?: (stage: string, line: string) => void;
  signal?: AbortSignal;
}

/** Removes resume directories of this stage made with other keys (settings changed since). */
async function removeStaleResumes(workDirectory: string, name: string, key: string): Promise<void> {
  const parent = join(workDirectory, ".resume");
  if (!existsSync(parent)) return;
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(`${name}-`) && /^[0-9a-f]{16}$/.test(entry.slice(name.length + 1)) && entry !== `${name}-${key}`)
      await rm(join(parent, entry), { recursive: true, force: true });
  }
}

function openLog(path: string): { stream: WriteStream; write: (line: string) => void; close: () => Promise<void> } {
  const stream = createWriteStream(path, { flags: "a" });
  return {
    stream,
    write: (line) => stream.write(`${new Date().toISOString()} ${line}\n`),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}

/**
 * Runs the plan in order under the work directory's lock. A stage fills a temporary sibling
 * (`.partial/<name>`); only when `run` returns are the marker written and the directory renamed into
 * place, so an output without a marker never exists. A failed or killed stage leaves its log (and
 * its resume directory, e.g. checkpoints) and no output; finished stages stay finished.
 */
export async function runStages(stages: readonly Stage[], workDirectory: string, options: RunStagesOptions = {}): Promise<StagePlan[]> {
  const release = acquireRunLock(workDirectory);
  try {
    const runStarted = performance.now();
    const plan = await planStages(stages, workDirectory, options);
    const keys = await stageKeys(stages.slice(0, plan.length));
    const emit = (event: StageRunnerEvent) => options.onEvent?.(event);
    emit({ type: "run-start", stages: plan.length, toRun: plan.filter((step) => step.action === "run").length, workDirectory });
    await mkdir(join(workDirectory, "logs"), { recursive: true });
    const total = plan.length;
    for (const [position, step] of plan.entries()) {
      const index = position + 1;
      const stage = stages[position] as Stage;
      if (step.action === "skip") {
        emit({ type: "stage-skip", stage: step.name, index, total, detail: step.detail });
        continue;
      }
      options.signal?.throwIfAborted();
      const directories = stageDirectories(workDirectory, step.name, step.key);
      const logPath = join(workDirectory, "logs", `${step.name}.log`);
      const log = openLog(logPath);
      log.write(`stage ${step.name} (${index}/${total}) key ${step.key}: ${step.reason} (${step.detail})`);
      emit({ type: "stage-start", stage: step.name, index, total, reason: step.reason, detail: step.detail, resumes: step.resumes, log: logPath });
      const started = performance.now();
      const startedAt = new Date().toISOString();
      try {
        await rm(directories.partial, { recursive: true, force: true });
        await mkdir(dirname(directories.partial), { recursive: true });
        await removeStaleResumes(workDirectory, step.name, step.key);
        if (step.reason === "forced") await rm(directories.resume, { recursive: true, force: true });
        await mkdir(directories.resume, { recursive: true });
        const summary =
          (await stage.run({
            out: directories.partial,
            final: directories.out,
            key: step.key,
            resumeDirectory: directories.resume,
            upstream: (name) => {
              if (!stage.after.includes(name))
                throw new StageGraphError({ stage: stage.name, message: `reads the output of "${name}" but does not list it in "after"` });
              return join(workDirectory, name);
            },
            log: (line) => {
              log.write(line);
              options.onLog?.(step.name, line);
            },
            progress: (progress) => {
              const { type: kind, ...fields } = progress;
              log.write(JSON.stringify(progress));
              emit({ ...fields, type: "stage-progress", stage: step.name, index, total, kind: String(kind ?? "progress") });
            },
            signal: options.signal,
          })) ?? undefined;
        const seconds = (performance.now() - started) / 1000;
        const key = keys.get(step.name);
        const marker: StageMarker = {
          stage: step.name,
          key: step.key,
          settings: key?.settings ?? {},
          inputs: key?.inputs ?? {},
          upstream: key?.upstream ?? {},
          started: startedAt,
          finished: new Date().toISOString(),
          seconds,
          summary,
        };
        await mkdir(directories.partial, { recursive: true });
        await writeFile(join(directories.partial, STAGE_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
        await rm(directories.out, { recursive: true, force: true });
        await rename(directories.partial, directories.out);
        await rm(directories.resume, { recursive: true, force: true });
        log.write(`finished in ${seconds.toFixed(1)} s: ${JSON.stringify(summary ?? {})}`);
        emit({ type: "stage-end", stage: step.name, index, total, seconds, out: directories.out, summary });
      } catch (error) {
        await rm(directories.partial, { recursive: true, force: true });
        const seconds = (performance.now() - started) / 1000;
        log.write(`failed after ${seconds.toFixed(1)} s: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        emit({ type: "stage-fail", stage: step.name, index, total, seconds, message: error instanceof Error ? error.message : String(error), log: logPath });
        throw new StageFailedError({ stage: step.name, logPath, cause: error });
      } finally {
        await log.close();
      }
    }
    emit({
      type: "run-end",
      seconds: (performance.now() - runStarted) / 1000,
      ran: plan.filter((step) => step.action === "run").map((step) => step.name),
      skipped: plan.filter((step) => step.action === "skip").map((step) => step.name),
    });
    return plan;
  } finally {
    release();
  }
}

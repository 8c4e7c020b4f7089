import { existsSync } from "node:fs";
import { join } from "node:path";
import { type AdaptConfig, checkAdaptPaths } from "./adapt-config.js";
import { adaptStages, REPORT_FILE, REPORT_STAGE } from "./adapt-stages.js";
import { type PlanOptions, planStages, type StagePlan } from "./plan-stages.js";
import { runStages, type StageRunnerEvent } from "./stage-runner.js";

/** What `adapt` reports, in order: a dry run's plan (one event per stage), or a run's events and then where its report is. */
export type AdaptEvent = StageRunnerEvent | ({ type: "stage-plan" } & StagePlan) | { type: "report"; path: string };

export interface AdaptOptions extends PlanOptions {
  /** Plan only: what would run and why; run nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Every event (`graft adapt --json` prints them one per line). */
  onEvent?: (event: AdaptEvent) => void;
  /** Every line a stage logs (its log file under `<out>/logs/` gets them too). */
  onLog?: (stage: string, line: string) => void;
}

export interface AdaptResult {
  plan: StagePlan[];
  /** `<out>/eval/report.html` (not written by a dry run or a run stopped `until` an earlier stage). */
  report: string;
}

/**
 * Runs (or, with `dryRun`, plans) the pipeline of a config in its `out` directory: `graft adapt`
 * and the demo call this. Paths are checked first, so a wrong one fails before any work.
 */
export async function adapt(config: AdaptConfig, options: AdaptOptions = {}): Promise<AdaptResult> {
  checkAdaptPaths(config);
  const stages = adaptStages(config);
  const report = join(config.out, REPORT_STAGE, REPORT_FILE);
  const emit = (event: AdaptEvent) => options.onEvent?.(event);
  if (options.dryRun) {
    const plan = await planStages(stages, config.out, options);
    for (const step of plan) emit({ type: "stage-plan", ...step });
    return { plan, report };
  }
  const plan = await runStages(stages, config.out, { ...options, onEvent: emit });
  if (existsSync(report)) emit({ type: "report", path: report });
  return { plan, report };
}

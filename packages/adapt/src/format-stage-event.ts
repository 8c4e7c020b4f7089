import { formatDuration } from "@graft/utils";
import type { AdaptEvent } from "./adapt.js";
import type { StagePlan } from "./plan-stages.js";
import type { StageRunnerEvent } from "./stage-runner.js";

const formatValue = (value: unknown): string =>
  typeof value === "number"
    ? Number.isInteger(value)
      ? String(value)
      : String(Number(value.toPrecision(4)))
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);

/** A stage's own progress event in one line: training steps with loss, rate and ETA; other fields as key=value. */
function formatProgress(event: Extract<StageRunnerEvent, { type: "stage-progress" }>): string {
  const { type: _type, stage: _stage, index: _index, total: _total, kind, ...fields } = event;
  if (kind === "step-end") {
    const step = Number(fields.step);
    const of = Number(fields.of);
    return `step ${step}/${of} (${((100 * step) / of).toFixed(0)}%)  loss ${Number(fields.loss).toFixed(4)}  ${Math.round(Number(fields.tokensPerSecond))} tok/s  eta ${formatDuration(Number(fields.etaSeconds))}`;
  }
  return `${kind} ${Object.entries(fields)
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(" ")}`;
}

/** One line per event for people (`--json` prints the events themselves); undefined for events not shown (a dry run's plan is `formatPlan`'s table). */
export function formatStageEvent(event: AdaptEvent): string | undefined {
  switch (event.type) {
    case "stage-plan":
      return undefined;
    case "report":
      return `report: ${event.path}`;
    case "run-start":
      return `graft adapt: ${event.toRun} of ${event.stages} stages to run in ${event.workDirectory}`;
    case "stage-skip":
      return `[${event.index}/${event.total}] ${event.stage}: up to date (${event.detail})`;
    case "stage-start":
      return `[${event.index}/${event.total}] ${event.stage}: running (${event.reason}: ${event.detail}); log ${event.log}`;
    case "stage-progress":
      return `[${event.index}/${event.total}] ${event.stage}: ${formatProgress(event)}`;
    case "stage-end":
      return `[${event.index}/${event.total}] ${event.stage}: done in ${formatDuration(event.seconds)}${event.summary ? ` ${JSON.stringify(event.summary)}` : ""}`;
    case "stage-fail":
      return `[${event.index}/${event.total}] ${event.stage}: FAILED after ${formatDuration(event.seconds)}: ${event.message.split("\n")[0]} (log ${event.log})`;
    case "run-end":
      return `graft adapt: finished in ${formatDuration(event.seconds)} (ran ${event.ran.length}, skipped ${event.skipped.length})`;
  }
}

/** Progress kinds always shown (rare and worth seeing); others at most once per `PROGRESS_DISPLAY_SECONDS` per stage. */
const ALWAYS_SHOWN = new Set(["train-start", "train-resume", "checkpoint-saved", "eval-end", "map-solved", "warning"]);
/** People read a progress line every few seconds; the stage log keeps every event. */
export const PROGRESS_DISPLAY_SECONDS = 5;

/**
 * The human display: every run and stage event, and a stage's progress at most once per
 * `PROGRESS_DISPLAY_SECONDS` (a stage's last progress before its end is shown when it was held back).
 */
export function createProgressDisplay(now: () => number = () => performance.now() / 1000): (event: AdaptEvent) => string[] {
  let lastShown = -Infinity;
  let heldBack: string | undefined;
  return (event) => {
    if (event.type === "stage-progress") {
      const line = formatStageEvent(event) as string;
      if (ALWAYS_SHOWN.has(event.kind) || now() - lastShown >= PROGRESS_DISPLAY_SECONDS) {
        lastShown = now();
        heldBack = undefined;
        return [line];
      }
      heldBack = line;
      return [];
    }
    const lines = event.type === "stage-end" && heldBack ? [heldBack] : [];
    heldBack = undefined;
    if (event.type === "stage-start") lastShown = now();
    const line = formatStageEvent(event);
    return line ? [...lines, line] : lines;
  };
}

/** The `--dry-run` table: action, stage, reason and why, key. */
export function formatPlan(plan: readonly StagePlan[]): string {
  const width = Math.max(...plan.map((step) => step.name.length));
  return plan
    .map(
      (step, index) =>
        `${String(index + 1).padStart(2)}. ${step.action === "run" ? "run " : "skip"}  ${step.name.padEnd(width)}  ${step.reason.padEnd(11)}  ${step.detail}  [key ${step.key}]`,
    )
    .join("\n");
}

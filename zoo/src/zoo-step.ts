import { existsSync } from "node:fs";
import { join } from "node:path";

/** One stage of the zoo build: done when `marker` exists (outputs are written atomically), so a rerun skips it. */
export interface ZooStep {
  name: string;
  /** A file that exists once the step has finished. */
  marker: string;
  run: () => Promise<void>;
}

export interface RunStepsOptions {
  /** Step names to redo even when done. */
  force?: ReadonlySet<string>;
  /** Stop after this step. */
  until?: string;
  say: (line: string) => void;
}

/** Runs the steps in order, skipping finished ones; prints each step's wall time. */
export async function runSteps(steps: readonly ZooStep[], options: RunStepsOptions): Promise<Record<string, number>> {
  const seconds: Record<string, number> = {};
  for (const step of steps) {
    if (existsSync(step.marker) && !options.force?.has(step.name)) {
      options.say(`zoo: ${step.name}: done (${step.marker}), skipped`);
    } else {
      options.say(`zoo: ${step.name} ...`);
      const started = performance.now();
      await step.run();
      seconds[step.name] = (performance.now() - started) / 1000;
      options.say(`zoo: ${step.name}: ${seconds[step.name]!.toFixed(1)} s`);
    }
    if (step.name === options.until) break;
  }
  return seconds;
}

export const configOf = (directory: string) => join(directory, "config.json");

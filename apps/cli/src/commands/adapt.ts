import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GraftError } from "@graft/hf";
import { EXAMPLE_CONFIG, loadAdaptConfig, type AdaptConfig } from "../adapt/adapt-config.js";
import { adaptStages, REPORT_STAGE } from "../adapt/adapt-stages.js";
import { planStages, runStages, type StageRunnerEvent } from "../adapt/stage-runner.js";
import type { CommandContext, CommandDefinition } from "../command.js";

/** One line per event for people (`--json` prints the events themselves). */
function describe(event: StageRunnerEvent): string | undefined {
  const prefix = "index" in event ? `[${event.index}/${event.total}] ${event.stage}` : event.stage;
  switch (event.event) {
    case "stage-skip":
      return `${prefix}: up to date, skipped`;
    case "stage-start":
      return `${prefix}: running (${event.reason})`;
    case "stage-end":
      return `${prefix}: done in ${event.seconds.toFixed(1)} s ${event.summary ? JSON.stringify(event.summary) : ""}`;
    case "stage-progress": {
      const { event: _kind, stage: _stage, ...details } = event;
      if (typeof details.step === "number" && typeof details.of === "number" && details.step % 10 !== 0 && details.step !== details.of) return undefined;
      return `  ${event.stage}: ${Object.entries(details).map(([key, value]) => `${key}=${typeof value === "number" ? Number(value.toPrecision(4)) : typeof value === "object" ? JSON.stringify(value) : value}`).join(" ")}`;
    }
  }
}

/** Runs the pipeline of a config (used by the command and by the demo). */
export async function adapt(config: AdaptConfig, options: { from?: string; force?: boolean; dryRun?: boolean }, context: Pick<CommandContext, "stdout" | "json">): Promise<string> {
  const stages = adaptStages(config);
  const write = (line: string) => context.stdout.write(`${line}\n`);
  if (options.dryRun) {
    for (const step of planStages(stages, config.out, options)) {
      if (context.json) write(JSON.stringify({ event: "stage-plan", ...step }));
      else write(`${step.action === "run" ? "run " : "skip"}  ${step.name.padEnd(22)} ${step.reason.padEnd(12)} key ${step.key}  -> ${step.out}`);
    }
    return join(config.out, REPORT_STAGE, "report.html");
  }
  await runStages(stages, config.out, {
    ...options,
    onEvent: (event) => {
      if (context.json) write(JSON.stringify(event));
      else {
        const line = describe(event);
        if (line) write(line);
      }
    },
  });
  const report = join(config.out, REPORT_STAGE, "report.html");
  if (!context.json) write(`report: ${report}`);
  return report;
}

export const adaptCommand: CommandDefinition = {
  name: "adapt",
  summary: "the whole pipeline from a config: vocab extend → init → embeddings CP → LEP → InsCP → eval report",
  usage: "--config FILE [--from STAGE] [--force] [--dry-run] | --init [FILE]",
  description:
    "Each stage's output is keyed by a hash of its settings, its input files and its upstream stages: a rerun skips finished\n" +
    "stages, --from STAGE redoes that stage and everything after it, --force redoes all, --dry-run prints the plan and why.\n" +
    "Stage outputs are written atomically (an interrupted run resumes at the unfinished stage; training resumes from its\n" +
    "checkpoints). A log per stage is kept in OUT/logs. --init writes a commented example config.",
  options: {
    config: { type: "string", placeholder: "FILE", description: "YAML or JSON config (see --init)" },
    from: { type: "string", placeholder: "STAGE", description: "redo this stage and every stage after it" },
    force: { type: "boolean", description: "redo every stage" },
    "dry-run": { type: "boolean", description: "print the plan: what would run and why, nothing else" },
    init: { type: "boolean", description: "write a commented example config (to the positional FILE, default graft-adapt.yaml)" },
  },
  allowPositionals: true,
  examples: ["graft adapt --init adapt-ru.yaml", "graft adapt --config adapt-ru.yaml --dry-run", "graft adapt --config adapt-ru.yaml", "graft adapt --config adapt-ru.yaml --from lep --json"],
  async run({ values, positionals }, context) {
    if (values.init) {
      const path = positionals[0] ?? "graft-adapt.yaml";
      if (existsSync(path)) throw new GraftError({ name: "UsageError", message: `${path} exists; choose another file name` });
      await writeFile(path, EXAMPLE_CONFIG);
      context.stdout.write(`wrote ${path}: edit the paths, then run graft adapt --config ${path}\n`);
      return 0;
    }
    if (!values.config) throw new GraftError({ name: "UsageError", message: "missing --config FILE (or --init to write an example); see graft adapt --help" });
    const config = await loadAdaptConfig(String(values.config));
    await adapt(config, { from: values.from ? String(values.from) : undefined, force: values.force === true, dryRun: values["dry-run"] === true }, context);
    return 0;
  },
};

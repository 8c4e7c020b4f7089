import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ForeignOutputError } from "./foreign-output-error.js";
import type { Stage } from "./stage.js";
import { canonicalJson, type StageKey, stageKeys } from "./stage-keys.js";
import { readStageMarker, STAGE_MARKER, type StageMarker } from "./stage-marker.js";
import { UnknownStageError } from "./unknown-stage-error.js";

export type StageReason = "missing" | "key-changed" | "forced" | "up-to-date";

/** One line of the plan: what happens to a stage and why. */
export interface StagePlan {
  name: string;
  /** What the stage does, in a few words. */
  description?: string;
  action: "run" | "skip";
  reason: StageReason;
  /** The reason in words: which setting, input or upstream stage changed; what forced it; what an interrupted attempt left. */
  detail: string;
  key: string;
  out: string;
  /** A resume directory of an interrupted attempt with this key exists (training resumes from its checkpoints). */
  resumes: boolean;
}

export interface PlanOptions {
  /** Redo this stage (or these stages) and every stage that depends on it. */
  from?: string | readonly string[];
  /** Redo every stage. */
  force?: boolean;
  /** Stop after this stage (stages after it are left out of the plan). */
  until?: string;
}

/** The output directory of a stage, its temporary sibling, its resume directory. */
export function stageDirectories(workDirectory: string, name: string, key: string) {
  return { out: join(workDirectory, name), partial: join(workDirectory, ".partial", name), resume: join(workDirectory, ".resume", `${name}-${key}`) };
}

function changedEntries(kind: string, before: Record<string, unknown> | undefined, after: Record<string, unknown>): string[] {
  const previous = before ?? {};
  const names = new Set([...Object.keys(previous), ...Object.keys(after)]);
  const changes: string[] = [];
  for (const name of [...names].sort()) {
    const was = canonicalJson(previous[name]);
    const now = canonicalJson(after[name]);
    if (was === now) continue;
    if (kind === "settings")
      changes.push(`${name}: ${was.length > 60 ? `${was.slice(0, 57)}...` : was} -> ${now.length > 60 ? `${now.slice(0, 57)}...` : now}`);
    else changes.push(`${kind} ${name}`);
  }
  return changes;
}

/** Which settings, inputs or upstream keys differ from what the finished output was made with. */
function whatChanged(marker: StageMarker, key: StageKey): string {
  const changes = [
    ...changedEntries("settings", flatten(marker.settings), flatten(key.settings)),
    ...changedEntries("input", marker.inputs, key.inputs),
    ...changedEntries("upstream", marker.upstream, key.upstream),
  ];
  return changes.length > 0 ? changes.join("; ") : "made by another version of graft";
}

/** `{a: {b: 1}}` → `{"a.b": 1}`: settings differences name the leaf that changed. */
function flatten(value: Record<string, unknown> | undefined, prefix = ""): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(value ?? {})) {
    if (entry && typeof entry === "object" && !Array.isArray(entry)) Object.assign(flat, flatten(entry as Record<string, unknown>, `${prefix}${name}.`));
    else flat[`${prefix}${name}`] = entry;
  }
  return flat;
}

/** Stages that depend on `name`, directly or through others, and `name` itself. */
function dependents(stages: readonly Stage[], name: string): Set<string> {
  const names = new Set([name]);
  for (const stage of stages) if (stage.after.some((upstream) => names.has(upstream))) names.add(stage.name);
  return names;
}

/** What would run and why: missing output, key changed (which setting, input or upstream), forced (`from` / `force`). */
export async function planStages(stages: readonly Stage[], workDirectory: string, options: PlanOptions = {}): Promise<StagePlan[]> {
  const names = stages.map((stage) => stage.name);
  const roots = options.from === undefined ? [] : typeof options.from === "string" ? [options.from] : [...options.from];
  for (const [option, name] of [...roots.map((root) => ["from", root] as const), ["until", options.until] as const]) {
    if (name !== undefined && !names.includes(name)) throw new UnknownStageError({ option, stage: name, stages: names });
  }
  const selected = options.until ? stages.slice(0, names.indexOf(options.until) + 1) : stages;
  const keys = await stageKeys(selected);
  /** Each forced stage and the `from` stage that forces it (the first one named, when several do). */
  const forcedBy = new Map<string, string>();
  for (const root of roots) for (const name of dependents(selected, root)) if (!forcedBy.has(name)) forcedBy.set(name, root);
  const rerun = new Set<string>();
  const plan: StagePlan[] = [];
  for (const stage of selected) {
    const key = keys.get(stage.name) as StageKey;
    const directories = stageDirectories(workDirectory, stage.name, key.key);
    const marker = readStageMarker(directories.out);
    // A finished stage always has its marker (written before the rename into place), so an output
    // without one is the user's: refused rather than replaced, forced or not.
    if (!marker && existsSync(directories.out) && readdirSync(directories.out).length > 0)
      throw new ForeignOutputError({ stage: stage.name, path: directories.out, markerFile: STAGE_MARKER });
    const resumes = existsSync(directories.resume);
    const rerunUpstream = stage.after.filter((name) => rerun.has(name));
    let reason: StageReason;
    let detail: string;
    if (options.force) [reason, detail] = ["forced", "--force"];
    else if (forcedBy.has(stage.name))
      [reason, detail] = ["forced", roots.includes(stage.name) ? `--from ${stage.name}` : `after ${forcedBy.get(stage.name)} (--from)`];
    else if (!marker) {
      reason = "missing";
      detail =
        existsSync(directories.partial) || resumes
          ? "an interrupted attempt did not finish"
          : existsSync(directories.out)
            ? "output without a finished marker"
            : "not run yet";
    } else if (marker.key !== key.key) [reason, detail] = ["key-changed", whatChanged(marker, key)];
    else if (rerunUpstream.length > 0) [reason, detail] = ["key-changed", `upstream ${rerunUpstream.join(", ")} reruns`];
    else [reason, detail] = ["up-to-date", `finished ${marker.finished}`];
    if (reason !== "up-to-date") rerun.add(stage.name);
    if (resumes && reason !== "up-to-date" && reason !== "forced") detail += "; resumes from its checkpoints";
    plan.push({
      name: stage.name,
      description: stage.description,
      action: reason === "up-to-date" ? "skip" : "run",
      reason,
      detail,
      key: key.key,
      out: directories.out,
      resumes: resumes && reason !== "forced",
    });
  }
  return plan;
}

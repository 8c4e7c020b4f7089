import { createHash } from "node:crypto";
import { inputIdentity } from "./input-identity.js";
import type { Stage } from "./stage.js";
import { StageGraphError } from "./stage-graph-error.js";

/** Bump when the meaning of a stage key changes: every stage reruns once. */
export const STAGE_KEY_VERSION = 1;

/** What a stage key is computed from, and the key. */
export interface StageKey {
  key: string;
  settings: Record<string, unknown>;
  inputs: Record<string, string>;
  upstream: Record<string, string>;
}

/** Stable JSON: object keys sorted, so `{a, b}` and `{b, a}` give the same key. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, entry]) => `${JSON.stringify(name)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Checks names are unique and every `after` names an earlier stage. */
export function validateStageGraph(stages: readonly Stage[]): void {
  const seen = new Set<string>();
  for (const stage of stages) {
    if (!/^[a-z][a-z0-9-]*$/.test(stage.name))
      throw new StageGraphError({ stage: stage.name, message: "a stage name is lower-case letters, digits and dashes" });
    if (seen.has(stage.name)) throw new StageGraphError({ stage: stage.name, message: "two stages have this name" });
    for (const name of stage.after)
      if (!seen.has(name)) throw new StageGraphError({ stage: stage.name, message: `runs after "${name}", which is not an earlier stage` });
    seen.add(stage.name);
  }
}

/** The key of every stage: sha256 over its name, settings, input identities and upstream keys. */
export async function stageKeys(stages: readonly Stage[]): Promise<Map<string, StageKey>> {
  validateStageGraph(stages);
  const keys = new Map<string, StageKey>();
  for (const stage of stages) {
    const inputs: Record<string, string> = {};
    for (const path of stage.inputs) inputs[path] = await inputIdentity(path);
    const upstream = Object.fromEntries(stage.after.map((name) => [name, (keys.get(name) as StageKey).key]));
    const settings = JSON.parse(canonicalJson(stage.settings)) as Record<string, unknown>;
    const hash = createHash("sha256").update(canonicalJson({ version: STAGE_KEY_VERSION, name: stage.name, settings, inputs, upstream }));
    keys.set(stage.name, { key: hash.digest("hex").slice(0, 16), settings, inputs, upstream });
  }
  return keys;
}

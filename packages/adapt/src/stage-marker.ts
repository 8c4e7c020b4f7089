import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Written into each finished stage's output directory; its presence means "complete". */
export const STAGE_MARKER = ".graft-stage.json";

export interface StageMarker {
  stage: string;
  key: string;
  /** What the key was computed from, so a plan can say which part changed. */
  settings: Record<string, unknown>;
  inputs: Record<string, string>;
  upstream: Record<string, string>;
  started: string;
  finished: string;
  seconds: number;
  summary?: Record<string, unknown>;
}

/** The marker of a finished stage output, or undefined (missing, unreadable: treated as not finished). */
export function readStageMarker(directory: string): StageMarker | undefined {
  const path = join(directory, STAGE_MARKER);
  if (!existsSync(path)) return undefined;
  try {
    const marker = JSON.parse(readFileSync(path, "utf8")) as StageMarker;
    return typeof marker.key === "string" ? marker : undefined;
  } catch {
    return undefined;
  }
}

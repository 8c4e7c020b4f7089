import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export interface Checkpoint {
  step: number;
  path: string;
}

const CHECKPOINT_NAME = /^checkpoint-(\d+)$/;

/** `checkpoint-<step>` directories under a training output directory, by step. */
export function listCheckpoints(directory: string): Checkpoint[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .map((name) => ({ name, match: CHECKPOINT_NAME.exec(name) }))
    .filter((entry) => entry.match && statSync(join(directory, entry.name)).isDirectory())
    .map((entry) => ({ step: Number(entry.match?.[1]), path: join(directory, entry.name) }))
    .sort((a, b) => a.step - b.step);
}

/** The checkpoint with the highest step, if any. */
export function latestCheckpoint(directory: string): Checkpoint | undefined {
  const checkpoints = listCheckpoints(directory);
  return checkpoints[checkpoints.length - 1];
}

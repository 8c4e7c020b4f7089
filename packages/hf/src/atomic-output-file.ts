import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { processIsAlive } from "@graft/utils";
import { type AtomicOutputOptions, refuseOutputOverInputs } from "./atomic-output-directory.js";
import { OutputDirectoryExistsError } from "./output-directory-exists-error.js";
import { OutputFileExistsError } from "./output-file-exists-error.js";

const TEMPORARY_MARKER = ".tmp-";

/** Removes temporary siblings left by crashed writers of the same file (their process is gone). */
async function removeStaleSiblings(parent: string, name: string): Promise<void> {
  if (!existsSync(parent)) return;
  const prefix = `.${name}${TEMPORARY_MARKER}`;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split("-")[0]);
    if (Number.isSafeInteger(pid) && !processIsAlive(pid)) await rm(join(parent, entry), { force: true });
  }
}

/**
 * Writes one file through a temporary sibling (`.<name>.tmp-<pid>-<random>`) renamed over `out`
 * only when `write` succeeds, so a crash or an error never leaves a truncated file that looks
 * complete (a GGUF cut short still opens in some readers). The file counterpart of
 * `atomicOutputDirectory`: an existing `out` needs `overwrite`, a directory there is refused.
 */
export async function atomicOutputFile<T>(out: string, write: (temporaryFile: string) => Promise<T>, options: AtomicOutputOptions = {}): Promise<T> {
  refuseOutputOverInputs(out, options.inputs ?? []);
  const target = resolve(out);
  if (existsSync(target)) {
    if (statSync(target).isDirectory()) throw new OutputDirectoryExistsError({ path: target });
    if (!options.overwrite) throw new OutputFileExistsError({ path: target });
  }
  const parent = dirname(target);
  const name = basename(target);
  await mkdir(parent, { recursive: true });
  await removeStaleSiblings(parent, name);
  const temporary = join(parent, `.${name}${TEMPORARY_MARKER}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  let result: T;
  try {
    result = await write(temporary);
    if (existsSync(target) && !options.overwrite) throw new OutputFileExistsError({ path: target });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return result;
}

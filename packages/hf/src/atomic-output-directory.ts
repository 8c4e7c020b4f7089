import { existsSync, readdirSync, realpathSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { processIsAlive } from "@graft/utils";
import { OutputDirectoryExistsError } from "./output-directory-exists-error.js";
import { OutputOverlapsInputError } from "./output-overlaps-input-error.js";

export interface AtomicOutputOptions {
  /** Replace an existing non-empty directory (renamed away, then deleted, after success). */
  overwrite?: boolean;
  /** Files and directories the build reads: an output that is one of them or contains one is refused, `overwrite` or not. */
  inputs?: readonly string[];
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
function realPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
}

/** Throws when `out` is one of `inputs` or an ancestor of one (symbolic links resolved). */
export function refuseOutputOverInputs(out: string, inputs: readonly string[]): void {
  const target = realPath(out);
  for (const input of inputs) {
    const source = realPath(input);
    if (source === target || source.startsWith(target.endsWith(sep) ? target : `${target}${sep}`))
      throw new OutputOverlapsInputError({ path: resolve(out), input: resolve(input) });
  }
}

const TEMPORARY_MARKER = ".tmp-";

/** Removes temporary siblings left by crashed writers (their process is gone). */
async function removeStaleSiblings(parent: string, name: string): Promise<void> {
  if (!existsSync(parent)) return;
  const prefix = `.${name}${TEMPORARY_MARKER}`;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split("-")[0]);
    if (Number.isSafeInteger(pid) && !processIsAlive(pid)) await rm(join(parent, entry), { recursive: true, force: true });
  }
}

/**
 * Builds a directory in a temporary sibling (`.<name>.tmp-<pid>-<random>`) and renames it into
 * place only when `build` succeeds: a crash never leaves a half-written output that looks
 * complete. Stale temporaries of dead processes are cleaned first.
 */
export async function atomicOutputDirectory<T>(out: string, build: (temporaryDirectory: string) => Promise<T>, options: AtomicOutputOptions = {}): Promise<T> {
  refuseOutputOverInputs(out, options.inputs ?? []);
  const target = resolve(out);
  const parent = dirname(target);
  const name = basename(target);
  const occupied = () => existsSync(target) && readdirSync(target).length > 0;
  if (occupied() && !options.overwrite) throw new OutputDirectoryExistsError({ path: target });
  await mkdir(parent, { recursive: true });
  await removeStaleSiblings(parent, name);
  const temporary = join(parent, `.${name}${TEMPORARY_MARKER}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  await mkdir(temporary);
  let result: T;
  try {
    result = await build(temporary);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(target)) {
    if (occupied() && !options.overwrite) {
      await rm(temporary, { recursive: true, force: true });
      throw new OutputDirectoryExistsError({ path: target });
    }
    const old = join(parent, `.${name}.old-${process.pid}-${Date.now()}`);
    await rename(target, old);
    await rename(temporary, target);
    await rm(old, { recursive: true, force: true });
  } else {
    await rename(temporary, target);
  }
  return result;
}

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { processIsAlive } from "@graft/utils";
import { RunLockedError } from "./run-locked-error.js";

/** Held by the process running a work directory's stages. */
export const RUN_LOCK_FILE = ".graft-adapt.lock";

/**
 * Takes the work directory's lock (a file holding our pid, created exclusively). A lock left by a
 * process that is gone (killed) is taken over; a live one throws `RunLockedError`.
 * Returns the release function.
 */
export function acquireRunLock(workDirectory: string): () => void {
  mkdirSync(workDirectory, { recursive: true });
  const path = join(workDirectory, RUN_LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const descriptor = openSync(path, "wx");
      writeSync(descriptor, `${process.pid}\n`);
      closeSync(descriptor);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(path, "utf8").trim());
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && processIsAlive(holder)) throw new RunLockedError({ path, pid: holder });
      rmSync(path, { force: true });
    }
  }
  throw new RunLockedError({ path, pid: -1 });
}

import { existsSync } from "node:fs";
import { copyFile, cp, rename, rm } from "node:fs/promises";
import { basename } from "node:path";
import { STAGE_MARKER } from "@graft/adapt";

/**
 * Puts a copy of a stage output at `destination` (outside the work directory), its stage marker
 * left out. The copy is made beside the destination and swapped in by renames, so the destination
 * is never half-written.
 */
export async function replaceDirectory(source: string, destination: string): Promise<void> {
  const incoming = `${destination}.incoming`;
  const outgoing = `${destination}.outgoing`;
  await rm(incoming, { recursive: true, force: true });
  await cp(source, incoming, { recursive: true, filter: (path) => basename(path) !== STAGE_MARKER });
  await rm(outgoing, { recursive: true, force: true });
  if (existsSync(destination)) await rename(destination, outgoing);
  await rename(incoming, destination);
  await rm(outgoing, { recursive: true, force: true });
}

/** Copies a file beside `destination`, then renames it over: a reader sees the old file or the new one. */
export async function replaceFile(source: string, destination: string): Promise<void> {
  await copyFile(source, `${destination}.incoming`);
  await rename(`${destination}.incoming`, destination);
}

import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Files up to this size enter a stage key by their sha256; larger ones (model shards of billions
 * of parameters) by size and modification time, so planning a run never reads gigabytes.
 */
export const HASHED_INPUT_BYTES = 256 * 1024 * 1024;
/** Entries of an input directory taken into its identity (a model directory has a handful). */
export const MAX_DIRECTORY_ENTRIES = 10_000;

const cache = new Map<string, string>();

async function fileHash(path: string, size: number, modified: number): Promise<string> {
  const cacheKey = `${path}:${size}:${modified}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = `sha256:${hash.digest("hex")}`;
  cache.set(cacheKey, digest);
  return digest;
}

async function fileIdentity(path: string): Promise<string> {
  const stat = statSync(path);
  if (stat.size > HASHED_INPUT_BYTES) return `size:${stat.size}:mtime:${Math.floor(stat.mtimeMs)}`;
  return fileHash(path, stat.size, Math.floor(stat.mtimeMs));
}

/**
 * What a stage input is, for its key: a file's content hash; a directory's sorted list of
 * (name, identity) of its files, one level deep (sub-directories such as checkpoints are left out).
 */
export async function inputIdentity(path: string): Promise<string> {
  if (!existsSync(path)) return "missing";
  const stat = statSync(path);
  if (!stat.isDirectory()) return fileIdentity(path);
  const entries = readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort()
    .slice(0, MAX_DIRECTORY_ENTRIES);
  const hash = createHash("sha256");
  for (const name of entries) hash.update(`${name}\0${await fileIdentity(join(path, name))}\n`);
  return `directory:${hash.digest("hex")}`;
}

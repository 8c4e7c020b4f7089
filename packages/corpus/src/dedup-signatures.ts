import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CorpusInputError } from "./corpus-input-error.js";
import { type DedupMode, DocumentDeduplicator } from "./document-deduplicator.js";
import { MINHASH_HASHES } from "./minhash-signature.js";

/** Files of a signatures pass (`dedupPass: "signatures"`): one record per document that passed the stateless steps. */
export const SIGNATURES_FILE = "signatures.bin";
export const SIGNATURES_INFO_FILE = "signatures.json";
/** Record: document position in the rank's stream (uint32), md5 key (16 bytes), MinHash signature (uint32 each). */
export const SIGNATURE_RECORD_BYTES = 4 + 16 + MINHASH_HASHES * 4;

export interface SignaturesInfo {
  format: "graft-dedup-signatures";
  rank: number;
  world_size: number;
  documents: number;
  /** The settings the ranks must share (inputs, reading, filters). */
  settings: Record<string, unknown>;
}

/** One signature record. */
export function signatureRecord(position: number, exactKey: string, signature: Uint32Array): Buffer {
  const record = Buffer.alloc(SIGNATURE_RECORD_BYTES);
  record.writeUInt32LE(position, 0);
  Buffer.from(exactKey, "base64").copy(record, 4);
  Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).copy(record, 20);
  return record;
}

/**
 * Pass two of cross-rank dedup: replays every rank's signatures in rank order (rank 0 first,
 * each in its stream order) through one deduplicator, so the first occurrence in that global
 * order is kept; returns this rank's dropped positions with their reasons.
 */
export async function dedupDecisions({
  directories,
  rank,
  worldSize,
  mode,
  threshold,
  settings,
}: {
  directories: readonly string[];
  rank: number;
  worldSize: number;
  mode: DedupMode;
  threshold?: number;
  settings: Record<string, unknown>;
}): Promise<Map<number, "duplicate" | "near_duplicate">> {
  const byRank = new Map<number, string>();
  for (const directory of directories) {
    const infoPath = join(directory, SIGNATURES_INFO_FILE);
    if (!existsSync(infoPath))
      throw new CorpusInputError({
        path: directory,
        message: `no ${SIGNATURES_INFO_FILE}: pass the output directories of the signatures pass (--dedup-pass signatures) of every rank`,
      });
    const info = JSON.parse(await readFile(infoPath, "utf8")) as SignaturesInfo;
    if (info.world_size !== worldSize)
      throw new CorpusInputError({ path: directory, message: `signatures of world size ${info.world_size}, this run has --world-size ${worldSize}` });
    if (JSON.stringify(info.settings) !== JSON.stringify(settings))
      throw new CorpusInputError({
        path: directory,
        message: `signatures made with other inputs or filters (${JSON.stringify(info.settings)}); both passes need the same inputs and settings`,
      });
    byRank.set(info.rank, directory);
  }
  const missing = Array.from({ length: worldSize }, (_, index) => index).filter((index) => !byRank.has(index));
  if (missing.length > 0)
    throw new CorpusInputError({
      path: directories.join(", "),
      message: `signatures of rank(s) ${missing.join(", ")} are missing; pass all ${worldSize} ranks' signature directories`,
    });
  const deduplicator = new DocumentDeduplicator(mode, threshold);
  const drops = new Map<number, "duplicate" | "near_duplicate">();
  for (let current = 0; current < worldSize; current += 1) {
    const records = await readFile(join(byRank.get(current)!, SIGNATURES_FILE));
    for (let offset = 0; offset + SIGNATURE_RECORD_BYTES <= records.length; offset += SIGNATURE_RECORD_BYTES) {
      const position = records.readUInt32LE(offset);
      const key = records.toString("base64", offset + 4, offset + 20);
      const signature = new Uint32Array(records.buffer.slice(records.byteOffset + offset + 20, records.byteOffset + offset + SIGNATURE_RECORD_BYTES));
      const reason = deduplicator.check(key, signature);
      deduplicator.takeLog();
      if (reason && current === rank) drops.set(position, reason);
    }
  }
  return drops;
}

import { bandKeys, MINHASH_BANDS, MINHASH_HASHES } from "./minhash-signature.js";
import { NearDuplicateIndex, truncateSignature } from "./near-duplicate-index.js";

/** Bytes of an md5 exact-dedup key. */
const EXACT_KEY_BYTES = 16;
const NEAR_RECORD_BYTES = MINHASH_BANDS * 4 + MINHASH_HASHES * 2;

export type DedupMode = "exact" | "minhash" | "none";

/**
 * The stateful dedup steps, applied in document order: exact (`duplicate`: same normalised
 * text) and, with `minhash`, near-duplicates (`near_duplicate`) as well. Every kept document
 * appends a fixed-size record to a log (md5 key, band keys, truncated signature), so a
 * checkpoint can rebuild the state by replaying the log.
 */
export class DocumentDeduplicator {
  private readonly seen = new Set<string>();
  private readonly index?: NearDuplicateIndex;
  private readonly pending: Buffer[] = [];
  readonly recordBytes: number;

  constructor(
    readonly mode: DedupMode,
    threshold?: number,
  ) {
    if (mode === "minhash") this.index = new NearDuplicateIndex(threshold);
    this.recordBytes = mode === "none" ? 0 : EXACT_KEY_BYTES + (mode === "minhash" ? NEAR_RECORD_BYTES : 0);
  }

  /** The drop reason, or undefined when the document is new (it is then remembered). */
  check(exactKey: string | undefined, signature: Uint32Array | undefined): "duplicate" | "near_duplicate" | undefined {
    if (this.mode === "none" || exactKey === undefined) return undefined;
    if (this.seen.has(exactKey)) return "duplicate";
    let keys: Uint32Array | undefined;
    if (this.index && signature) {
      keys = bandKeys(signature);
      if (this.index.check(signature, keys)) return "near_duplicate";
    }
    this.seen.add(exactKey);
    const record = Buffer.alloc(this.recordBytes);
    Buffer.from(exactKey, "base64").copy(record, 0);
    if (keys && signature) {
      Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength).copy(record, EXACT_KEY_BYTES);
      const truncated = truncateSignature(signature);
      Buffer.from(truncated.buffer).copy(record, EXACT_KEY_BYTES + MINHASH_BANDS * 4);
    }
    this.pending.push(record);
    return undefined;
  }

  /** Log records of documents kept since the last call. */
  takeLog(): Buffer {
    const log = Buffer.concat(this.pending);
    this.pending.length = 0;
    return log;
  }

  /** Rebuilds the state from a log (the records of kept documents, in order). */
  replay(log: Uint8Array): void {
    // `none` keeps no records: a zero record size would never advance through the log.
    if (this.recordBytes === 0) return;
    for (let offset = 0; offset + this.recordBytes <= log.length; offset += this.recordBytes) {
      this.seen.add(Buffer.from(log.buffer, log.byteOffset + offset, EXACT_KEY_BYTES).toString("base64"));
      if (this.index) {
        // A copy, aligned at 0: a Buffer's slice is a view whose .buffer starts elsewhere.
        const record = new Uint8Array(log.subarray(offset + EXACT_KEY_BYTES, offset + this.recordBytes));
        this.index.add(new Uint16Array(record.buffer, MINHASH_BANDS * 4, MINHASH_HASHES), new Uint32Array(record.buffer, 0, MINHASH_BANDS));
      }
    }
  }
}

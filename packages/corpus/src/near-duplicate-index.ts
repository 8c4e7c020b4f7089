import { MINHASH_BANDS, MINHASH_HASHES } from "./minhash-signature.js";

/** Default estimated Jaccard at or above which a candidate is a near-duplicate (pairs at true 0.8 pass with ~99%: 100 hashes give sd 0.04). */
export const NEAR_DUPLICATE_THRESHOLD = 0.7;
/** Documents per block of stored signatures (16-bit per hash: 200 bytes a document). */
const SIGNATURE_BLOCK = 1 << 16;
const INITIAL_TABLE_SIZE = 1 << 12;

/** One LSH band: an open-addressing hash table from a 32-bit band key to the first document that had it. */
class BandTable {
  keys = new Uint32Array(INITIAL_TABLE_SIZE);
  /** Document index + 1; 0 = empty. */
  values = new Int32Array(INITIAL_TABLE_SIZE);
  size = 0;

  find(key: number): number {
    const mask = this.keys.length - 1;
    for (let slot = key & mask; ; slot = (slot + 1) & mask) {
      const value = this.values[slot];
      if (value === 0) return -1;
      if (this.keys[slot] === key) return value - 1;
    }
  }

  insert(key: number, document: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    for (let slot = key & mask; ; slot = (slot + 1) & mask) {
      if (this.values[slot] === 0) {
        this.keys[slot] = key;
        this.values[slot] = document + 1;
        this.size += 1;
        return;
      }
      if (this.keys[slot] === key) return; // the bucket keeps its first document
    }
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2);
    this.size = 0;
    for (let slot = 0; slot < keys.length; slot += 1) if (values[slot] !== 0) this.insert(keys[slot], values[slot] - 1);
  }
}

/**
 * MinHash-LSH near-duplicate index. `check` answers whether a document (its signature and band
 * keys) is a near-duplicate of one added before (a shared band, then an estimated Jaccard
 * >= threshold over all hashes); if not, the document is added. Memory per kept document: the
 * 200-byte truncated signature and one 8-byte slot per band in tables kept at most half full
 * (20 x 16-32 bytes), about 0.5-0.85 KB.
 */
export class NearDuplicateIndex {
  private readonly bands = Array.from({ length: MINHASH_BANDS }, () => new BandTable());
  private readonly blocks: Uint16Array[] = [];
  private count = 0;

  constructor(private readonly threshold = NEAR_DUPLICATE_THRESHOLD) {}

  /** Documents added (kept) so far. */
  get size(): number {
    return this.count;
  }

  /** Estimated Jaccard of `signature` and the stored document `document` (16-bit truncated hashes). */
  private similarity(signature: Uint32Array, document: number): number {
    const block = this.blocks[Math.floor(document / SIGNATURE_BLOCK)];
    const offset = (document % SIGNATURE_BLOCK) * MINHASH_HASHES;
    let equal = 0;
    for (let index = 0; index < MINHASH_HASHES; index += 1) if ((signature[index] & 0xffff) === block[offset + index]) equal += 1;
    return equal / MINHASH_HASHES;
  }

  /** True when a near-duplicate was added before; otherwise adds the document and returns false. */
  check(signature: Uint32Array, keys: Uint32Array): boolean {
    for (let band = 0; band < MINHASH_BANDS; band += 1) {
      const candidate = this.bands[band].find(keys[band]);
      if (candidate >= 0 && this.similarity(signature, candidate) >= this.threshold) return true;
    }
    this.add(truncateSignature(signature), keys);
    return false;
  }

  /** Adds a kept document by its truncated signature and band keys (as a checkpoint's dedup log replays it). */
  add(signature16: Uint16Array, keys: Uint32Array): void {
    const document = this.count;
    if (document % SIGNATURE_BLOCK === 0) this.blocks.push(new Uint16Array(SIGNATURE_BLOCK * MINHASH_HASHES));
    const block = this.blocks[this.blocks.length - 1];
    block.set(signature16, (document % SIGNATURE_BLOCK) * MINHASH_HASHES);
    for (let band = 0; band < MINHASH_BANDS; band += 1) this.bands[band].insert(keys[band], document);
    this.count += 1;
  }
}

/** The 16-bit truncation of a signature the index stores (equal by chance with probability 1/65536). */
export function truncateSignature(signature: Uint32Array): Uint16Array {
  const truncated = new Uint16Array(MINHASH_HASHES);
  for (let index = 0; index < MINHASH_HASHES; index += 1) truncated[index] = signature[index] & 0xffff;
  return truncated;
}

/** Words per shingle (datatrove and Gopher use word 5-grams). */
export const SHINGLE_WORDS = 5;
/** LSH bands × rows per band = hash functions. 20 × 5: a pair at Jaccard 0.8 shares a band with probability 0.9996. */
export const MINHASH_BANDS = 20;
export const MINHASH_ROWS = 5;
export const MINHASH_HASHES = MINHASH_BANDS * MINHASH_ROWS;

const WORD = /[\p{L}\p{N}]+/gu;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Seeds of the hash functions: fixed, so signatures agree across runs, processes and ranks. */
const SEEDS = (() => {
  const seeds = new Uint32Array(MINHASH_HASHES);
  let state = 0x9e3779b9;
  for (let index = 0; index < MINHASH_HASHES; index += 1) {
    state = mix32((state + 0x6d2b79f5) >>> 0);
    seeds[index] = state;
  }
  return seeds;
})();

/** murmur3's 32-bit finaliser: a cheap, well-mixing permutation of 32-bit values. */
export function mix32(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function wordHash(word: string): number {
  let hash = FNV_OFFSET;
  for (let index = 0; index < word.length; index += 1) hash = Math.imul(hash ^ word.charCodeAt(index), FNV_PRIME);
  return hash >>> 0;
}

/** Hashes of the text's word 5-gram shingles (lower-cased letters and digits; a shorter text is one shingle). */
export function shingleHashes(text: string): Uint32Array {
  const words = text.toLowerCase().match(WORD) ?? [];
  const hashes = words.map(wordHash);
  const count = Math.max(1, hashes.length - SHINGLE_WORDS + 1);
  const shingles = new Uint32Array(count);
  for (let start = 0; start < count; start += 1) {
    let hash = 0;
    const end = Math.min(hashes.length, start + SHINGLE_WORDS);
    for (let index = start; index < end; index += 1) hash = mix32((Math.imul(hash, 31) + hashes[index]) >>> 0);
    shingles[start] = hash;
  }
  return shingles;
}

/**
 * The MinHash signature of a text: for each of `MINHASH_HASHES` seeded hash functions, the
 * minimum over the text's shingles. Two signatures agree at a position with probability equal
 * to the Jaccard similarity of the shingle sets.
 */
export function minhashSignature(text: string): Uint32Array {
  const shingles = shingleHashes(text);
  const signature = new Uint32Array(MINHASH_HASHES).fill(0xffffffff);
  for (let hashIndex = 0; hashIndex < MINHASH_HASHES; hashIndex += 1) {
    const seed = SEEDS[hashIndex];
    let minimum = 0xffffffff;
    for (let index = 0; index < shingles.length; index += 1) {
      const value = mix32((shingles[index] ^ seed) >>> 0);
      if (value < minimum) minimum = value;
    }
    signature[hashIndex] = minimum;
  }
  return signature;
}

/** One 32-bit key per LSH band (its rows hashed together). */
export function bandKeys(signature: Uint32Array): Uint32Array {
  const keys = new Uint32Array(MINHASH_BANDS);
  for (let band = 0; band < MINHASH_BANDS; band += 1) {
    let hash = band + 1;
    for (let row = 0; row < MINHASH_ROWS; row += 1) hash = mix32((Math.imul(hash, 0x01000193) ^ signature[band * MINHASH_ROWS + row]) >>> 0);
    keys[band] = hash;
  }
  return keys;
}

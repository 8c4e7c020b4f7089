/**
 * Learns BPE merges over words that are already sequences of token ids (the base tokenizer's
 * compression of each distinct word), the classic incremental way: pair counts are kept up to
 * date as merges are applied to the words that contain the pair, and the most frequent pair is
 * found with a lazy max-heap (a stale entry is re-pushed with its current count when popped).
 */

/** One distinct word: its symbols (ids; -1 = a symbol that never merges) and its count. */
export interface CountedWord {
  symbols: number[];
  count: number;
}

export interface LearnMergesOptions {
  words: CountedWord[];
  /** The string of every id (extended as merges add tokens). */
  tokenStrings: string[];
  /** string -> id of every existing token (model vocabulary and added tokens). */
  vocabulary: Map<string, number>;
  /** How many new tokens to learn at most. */
  count: number;
  /** A pair must occur at least this often (weighted by word counts) to be merged. */
  minFrequency?: number;
  /** The id of the first new token. */
  firstId: number;
  onProgress?: (learned: number) => void;
}

export interface LearnedMerge {
  left: string;
  right: string;
  token: string;
  id: number;
  /** Weighted occurrences of the pair when it was merged. */
  frequency: number;
}

/** Ids stay below 2^22 (4M tokens) so a pair packs into one exact float64 key. */
const ID_LIMIT = 2 ** 22;
/** Progress is reported every this many merges. */
const PROGRESS_EVERY = 500;

const pairKey = (left: number, right: number): number => left * ID_LIMIT + right;

/** A max-heap of (count, key) pairs; ties go to the smaller key, so the order is deterministic. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private above(a: number, b: number): boolean {
    return this.counts[a] > this.counts[b] || (this.counts[a] === this.counts[b] && this.keys[a] < this.keys[b]);
  }

  private swap(a: number, b: number): void {
    [this.counts[a], this.counts[b]] = [this.counts[b], this.counts[a]];
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let index = this.counts.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.above(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  pop(): { count: number; key: number } {
    const top = { count: this.counts[0], key: this.keys[0] };
    const lastCount = this.counts.pop() as number;
    const lastKey = this.keys.pop() as number;
    if (this.counts.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let best = index;
        if (left < this.counts.length && this.above(left, best)) best = left;
        if (right < this.counts.length && this.above(right, best)) best = right;
        if (best === index) break;
        this.swap(index, best);
        index = best;
      }
    }
    return top;
  }
}

/** Learns up to `count` merges; returns them in merge order (fewer when pairs run out). */
export function learnMerges(options: LearnMergesOptions): LearnedMerge[] {
  const { words, tokenStrings, vocabulary } = options;
  const minFrequency = Math.max(1, options.minFrequency ?? 2);
  if (options.firstId + options.count >= ID_LIMIT) throw new RangeError(`learnMerges: ids up to ${options.firstId + options.count} exceed ${ID_LIMIT}`);
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  const addPairs = (wordIndex: number, sign: 1 | -1): void => {
    const { symbols, count } = words[wordIndex];
    for (let index = 0; index + 1 < symbols.length; index += 1) {
      const left = symbols[index];
      const right = symbols[index + 1];
      if (left < 0 || right < 0) continue;
      const key = pairKey(left, right);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * count);
      if (sign > 0) {
        const list = pairWords.get(key);
        if (list === undefined) pairWords.set(key, [wordIndex]);
        else if (list[list.length - 1] !== wordIndex) list.push(wordIndex);
      }
    }
  };
  for (let wordIndex = 0; wordIndex < words.length; wordIndex += 1) addPairs(wordIndex, 1);
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) if (count >= minFrequency) heap.push(count, key);

  const learned: LearnedMerge[] = [];
  const forbidden = new Set<number>();
  let nextId = options.firstId;
  while (learned.length < options.count && heap.size > 0) {
    const { count, key } = heap.pop();
    const current = pairCounts.get(key) ?? 0;
    if (forbidden.has(key)) continue;
    if (current !== count) {
      if (current >= minFrequency) heap.push(current, key);
      continue;
    }
    const left = Math.floor(key / ID_LIMIT);
    const right = key - left * ID_LIMIT;
    const token = tokenStrings[left] + tokenStrings[right];
    if (vocabulary.has(token)) {
      // The string exists already (reachable through another merge chain, or an added token): a
      // second id for it would never be emitted consistently. Skip the pair.
      forbidden.add(key);
      continue;
    }
    const id = nextId;
    nextId += 1;
    tokenStrings[id] = token;
    vocabulary.set(token, id);
    learned.push({ left: tokenStrings[left], right: tokenStrings[right], token, id, frequency: count });
    const changed = new Set<number>();
    for (const wordIndex of pairWords.get(key) ?? []) {
      const symbols = words[wordIndex].symbols;
      let found = false;
      for (let index = 0; index + 1 < symbols.length; index += 1) if (symbols[index] === left && symbols[index + 1] === right) found = true;
      if (!found) continue;
      addPairs(wordIndex, -1);
      const merged: number[] = [];
      for (let index = 0; index < symbols.length; index += 1) {
        if (index + 1 < symbols.length && symbols[index] === left && symbols[index + 1] === right) {
          merged.push(id);
          index += 1;
        } else merged.push(symbols[index]);
      }
      words[wordIndex].symbols = merged;
      addPairs(wordIndex, 1);
      for (let index = 0; index + 1 < merged.length; index += 1)
        if (merged[index] === id || merged[index + 1] === id) changed.add(pairKey(merged[index], merged[index + 1]));
    }
    pairWords.delete(key);
    pairCounts.delete(key);
    for (const changedKey of changed) {
      const changedCount = pairCounts.get(changedKey) ?? 0;
      if (changedCount >= minFrequency && changedKey >= 0) heap.push(changedCount, changedKey);
    }
    if (learned.length % PROGRESS_EVERY === 0) options.onProgress?.(learned.length);
  }
  options.onProgress?.(learned.length);
  return learned;
}

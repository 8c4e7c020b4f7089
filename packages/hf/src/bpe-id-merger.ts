/**
 * BPE merges over token ids instead of strings, in an open-addressing hash table of typed arrays
 * (pair of ids -> rank and merged id). Semantics are the library's and Rust's: repeatedly merge
 * the adjacent pair of lowest rank, the leftmost one first, until none applies.
 */

/** Ranks and ids are stored in Int32Arrays. */
const MAX_ID = 2 ** 31 - 1;
/** Words longer than this merge with a heap (O(n log n)); shorter ones with a plain scan (faster when small). */
const HEAP_THRESHOLD = 48;
/** Heap priorities rank * length + position must stay exact integers for words up to 4 Gi symbols. */
const MAX_HEAP_WORD_LENGTH = 2 ** 32;
const EMPTY = -1;

export class BpeIdMerger {
  private readonly lefts: Int32Array;
  private readonly rights: Int32Array;
  private readonly ranks: Int32Array;
  private readonly results: Int32Array;
  private readonly mask: number;

  private constructor(capacity: number) {
    this.lefts = new Int32Array(capacity).fill(EMPTY);
    this.rights = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.results = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /**
   * Builds the merge table; returns undefined when a merge names a string outside the vocabulary
   * (the library would still merge it, so the id form could not stay identical).
   */
  static create(merges: readonly (readonly [string, string])[], idOf: (token: string) => number | undefined): BpeIdMerger | undefined {
    if (merges.length * MAX_HEAP_WORD_LENGTH >= Number.MAX_SAFE_INTEGER) return undefined;
    let capacity = 16;
    while (capacity < merges.length * 2) capacity *= 2;
    const merger = new BpeIdMerger(capacity);
    for (let rank = 0; rank < merges.length; rank += 1) {
      const [left, right] = merges[rank];
      const leftId = idOf(left);
      const rightId = idOf(right);
      const mergedId = idOf(left + right);
      if (leftId === undefined || rightId === undefined || mergedId === undefined) return undefined;
      if (leftId > MAX_ID || rightId > MAX_ID || mergedId > MAX_ID) return undefined;
      // A duplicated pair keeps its last rank, as the library's Map and Rust's HashMap do.
      merger.insert(leftId, rightId, rank, mergedId);
    }
    return merger;
  }

  private slotOf(left: number, right: number): number {
    let slot = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) & this.mask;
    for (;;) {
      const stored = this.lefts[slot];
      if (stored === EMPTY || (stored === left && this.rights[slot] === right)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private insert(left: number, right: number, rank: number, result: number): void {
    const slot = this.slotOf(left, right);
    this.lefts[slot] = left;
    this.rights[slot] = right;
    this.ranks[slot] = rank;
    this.results[slot] = result;
  }

  /** The table slot of a merge, or -1 when the pair does not merge (negative ids never do). */
  private find(left: number, right: number): number {
    if (left < 0 || right < 0) return -1;
    const slot = this.slotOf(left, right);
    return this.lefts[slot] === EMPTY ? -1 : slot;
  }

  /** Merges `symbols` in place (ids; negative ids never merge) and returns the new length. */
  merge(symbols: number[], length: number): number {
    return length > HEAP_THRESHOLD ? this.mergeWithHeap(symbols, length) : this.mergeByScan(symbols, length);
  }

  /** O(n^2) in the word length: fastest for the short words pre-tokenization gives. */
  private mergeByScan(symbols: number[], length: number): number {
    let count = length;
    while (count > 1) {
      let bestRank = MAX_ID;
      let bestSlot = -1;
      let bestIndex = -1;
      for (let index = 0; index < count - 1; index += 1) {
        const slot = this.find(symbols[index], symbols[index + 1]);
        if (slot >= 0 && this.ranks[slot] < bestRank) {
          bestRank = this.ranks[slot];
          bestSlot = slot;
          bestIndex = index;
        }
      }
      if (bestIndex < 0) break;
      symbols[bestIndex] = this.results[bestSlot];
      for (let index = bestIndex + 1; index < count - 1; index += 1) symbols[index] = symbols[index + 1];
      count -= 1;
    }
    return count;
  }

  /**
   * The same merge order with a binary heap of priorities `rank * length + position` over a
   * linked list of symbols: O(n log n), for long pre-tokens (a table border, a digit run).
   * A popped entry is stale when the pair at its position no longer has its rank (same rank
   * means the same merge, hence the same two symbols).
   */
  private mergeWithHeap(symbols: number[], length: number): number {
    const next = new Int32Array(length);
    const previous = new Int32Array(length);
    for (let index = 0; index < length; index += 1) {
      next[index] = index + 1 < length ? index + 1 : -1;
      previous[index] = index - 1;
    }
    const heap = new PriorityHeap(length);
    const push = (left: number): void => {
      const right = next[left];
      const slot = right < 0 ? -1 : this.find(symbols[left], symbols[right]);
      if (slot >= 0) heap.push(this.ranks[slot] * length + left);
    };
    for (let index = 0; index + 1 < length; index += 1) push(index);
    const alive = new Uint8Array(length).fill(1);
    while (heap.size > 0) {
      const priority = heap.pop();
      const position = priority % length;
      const rank = (priority - position) / length;
      const rightPosition = next[position];
      if (!alive[position] || rightPosition < 0) continue;
      const slot = this.find(symbols[position], symbols[rightPosition]);
      if (slot < 0 || this.ranks[slot] !== rank) continue;
      symbols[position] = this.results[slot];
      alive[rightPosition] = 0;
      const after = next[rightPosition];
      next[position] = after;
      if (after >= 0) previous[after] = position;
      if (previous[position] >= 0) push(previous[position]);
      push(position);
    }
    let count = 0;
    for (let index = 0; index >= 0; index = next[index]) {
      symbols[count] = symbols[index];
      count += 1;
    }
    return count;
  }
}

/** A binary min-heap of numbers in a growable Float64Array. */
class PriorityHeap {
  private items: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Float64Array(Math.max(16, capacity));
  }

  push(item: number): void {
    if (this.size === this.items.length) {
      const grown = new Float64Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    const items = this.items;
    let index = this.size;
    this.size += 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent] <= item) break;
      items[index] = items[parent];
      index = parent;
    }
    items[index] = item;
  }

  pop(): number {
    const items = this.items;
    const top = items[0];
    this.size -= 1;
    const last = items[this.size];
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && items[child + 1] < items[child]) child += 1;
      if (items[child] >= last) break;
      items[index] = items[child];
      index = child;
    }
    items[index] = last;
    return top;
  }
}

/**
 * A bounded cache of pre-token -> ids with least-recently-used eviction approximated by two
 * generations: hits in the old generation move to the new one; when the new generation is full
 * the old one is dropped. O(1) per lookup with plain Maps, no linked list.
 */
export class PieceCache<Value> {
  private current = new Map<string, Value>();
  private previous = new Map<string, Value>();

  constructor(private readonly generationSize: number) {}

  get(key: string): Value | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: Value): void {
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  clear(): void {
    this.current.clear();
    this.previous.clear();
  }
}

/**
 * mulberry32: a small seeded generator of 32-bit unsigned integers; the same seed gives the same
 * sequence on every platform. `seededUniform` and `seededNormal` build on it.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return (value ^ (value >>> 14)) >>> 0;
  };
}

/** Seeded uniform samples in [0, 1) (mulberry32): reproducible sampling and shuffles. */
export function seededUniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

import { seededUniform } from "@graft/utils";

/** Fisher-Yates with a seeded generator (mulberry32): the same order on every machine. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const next = seededUniform(seed);
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

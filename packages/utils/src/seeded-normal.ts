import { mulberry32 } from "./mulberry32.js";

/**
 * Seeded standard normal samples (mulberry32 + Box-Muller): the same seed gives the same
 * sequence on every platform. Used for tiny test models and reproducible test matrices.
 */
export function seededNormal(seed: number): () => number {
  const next = mulberry32(seed);
  // Shifted by half a step: never 0, so the logarithm stays finite.
  const uniform = () => (next() + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

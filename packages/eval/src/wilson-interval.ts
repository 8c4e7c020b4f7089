/** A measured share with its 95% Wilson score interval: `count` trials, `rate` = successes / count. */
export interface RateInterval {
  rate: number;
  low: number;
  high: number;
  count: number;
}

/** z for a two-sided 95% interval. */
const Z_95 = 1.959963984540054;

/**
 * The 95% Wilson score interval of `successes` out of `n`. Unlike the normal approximation it stays
 * inside [0, 1] and is not zero-width at 0 or n successes, which matters for the small prompt sets
 * alignment uses. No trials: rate 0 and the whole [0, 1] (nothing is known).
 */
export function wilsonInterval(successes: number, n: number): RateInterval {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n)
    throw new RangeError(`wilsonInterval: ${successes} successes out of ${n}; need integers 0 <= successes <= n`);
  if (n === 0) return { rate: 0, low: 0, high: 1, count: 0 };
  const rate = successes / n;
  const z2 = Z_95 * Z_95;
  const denominator = 1 + z2 / n;
  const centre = (rate + z2 / (2 * n)) / denominator;
  const half = (Z_95 * Math.sqrt((rate * (1 - rate)) / n + z2 / (4 * n * n))) / denominator;
  // Clamp the rounding error at the ends: the exact interval touches 0 (or 1) at 0 (or n) successes.
  return { rate, low: successes === 0 ? 0 : Math.max(0, centre - half), high: successes === n ? 1 : Math.min(1, centre + half), count: n };
}

/** `0.62 [0.55, 0.68] n=240`: a rate and its interval for a summary line or a table cell. */
export function formatRateInterval(interval: RateInterval, digits = 2): string {
  return `${interval.rate.toFixed(digits)} [${interval.low.toFixed(digits)}, ${interval.high.toFixed(digits)}] n=${interval.count}`;
}

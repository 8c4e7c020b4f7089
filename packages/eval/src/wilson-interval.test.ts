import { describe, expect, it } from "vitest";
import { formatRateInterval, wilsonInterval } from "./wilson-interval.js";

describe("wilsonInterval", () => {
  // Reference values: the Wilson closed form evaluated separately in Python (z = 1.95996), 4 decimals.
  const table = [
    { successes: 0, n: 10, low: 0, high: 0.2775 },
    { successes: 10, n: 10, low: 0.7225, high: 1 },
    { successes: 5, n: 10, low: 0.2366, high: 0.7634 },
    { successes: 1, n: 20, low: 0.0089, high: 0.2361 },
    { successes: 149, n: 240, low: 0.558, high: 0.6799 },
    { successes: 81, n: 263, low: 0.2553, high: 0.3662 },
  ];
  for (const { successes, n, low, high } of table) {
    it(`${successes}/${n} → [${low}, ${high}]`, () => {
      const interval = wilsonInterval(successes, n);
      expect(interval.rate).toBe(successes / n);
      expect(interval.count).toBe(n);
      expect(interval.low).toBeCloseTo(low, 4);
      expect(interval.high).toBeCloseTo(high, 4);
      expect(interval.low).toBeLessThanOrEqual(interval.rate);
      expect(interval.high).toBeGreaterThanOrEqual(interval.rate);
    });
  }

  it("narrows as n grows at the same rate", () => {
    const small = wilsonInterval(6, 10);
    const large = wilsonInterval(144, 240);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
  });

  it("knows nothing from no trials, and refuses impossible counts", () => {
    expect(wilsonInterval(0, 0)).toEqual({ rate: 0, low: 0, high: 1, count: 0 });
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0.5, 2)).toThrow(RangeError);
  });

  it("formats as rate [low, high] n=count", () => {
    expect(formatRateInterval(wilsonInterval(149, 240))).toBe("0.62 [0.56, 0.68] n=240");
  });
});

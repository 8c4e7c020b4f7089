import { describe, expect, it } from "vitest";
import { formatDuration } from "./format-duration.js";

describe("formatDuration", () => {
  const cases: { seconds: number | null | undefined; expected: string }[] = [
    { seconds: 0, expected: "0 s" },
    { seconds: 3, expected: "3 s" },
    { seconds: 9.4, expected: "9 s" },
    { seconds: 89.4, expected: "89 s" },
    { seconds: 90, expected: "2 min" },
    { seconds: 125, expected: "2 min" },
    { seconds: 5399, expected: "90 min" },
    { seconds: 5400, expected: "1.5 h" },
    { seconds: 36_000, expected: "10.0 h" },
    { seconds: null, expected: "?" },
    { seconds: undefined, expected: "?" },
    { seconds: Number.NaN, expected: "?" },
    { seconds: Number.POSITIVE_INFINITY, expected: "?" },
  ];
  it.each(cases)("$seconds -> $expected", ({ seconds, expected }) => expect(formatDuration(seconds)).toBe(expected));
});

import { describe, expect, it } from "vitest";
import { demoChecks } from "./demo-summary.js";

const NAMES = ["instruct", "instruct+inscp", "lep", "lep+inscp"];
const model = (charactersPerToken: number, ru: number, en: number, ruAligned: number, enAligned: number, charactersPerSecond: number) => ({
  model: "m",
  charactersPerToken,
  bitsPerCharacter: { ru, en },
  speed: { charactersPerSecond, tokensPerSecond: 1 },
  alignment: { ru: { share: ruAligned }, en: { share: enAligned } },
});

describe("demoChecks", () => {
  const original = model(2, 3, 1.0, 0.1, 1, 100);
  const cases = [
    {
      name: "every claim met",
      adapted: [model(2, 2.5, 1.02, 0.9, 1, 90), model(4.2, 2.4, 1.04, 0.8, 1, 250), model(4.2, 2.2, 1.05, 1, 1, 240)],
      expected: [true, true, true, true, true, true],
    },
    {
      name: "each claim missed",
      adapted: [model(2, 3.1, 1.2, 0.1, 0.9, 90), model(3, 2.4, 1.0, 0.8, 1, 90), model(3, 2.2, 1.0, 1, 1, 240)],
      expected: [false, false, false, false, false, false],
    },
  ];
  it.each(cases)("$name", ({ adapted, expected }) => {
    const checks = demoChecks([original, ...adapted], "ru", NAMES);
    expect(checks.map((check) => check.met)).toEqual(expected);
    expect(checks[0]?.measured).toBe(`${adapted[1]!.charactersPerToken} vs 2 (${(adapted[1]!.charactersPerToken / 2).toFixed(2)}x)`);
  });
});

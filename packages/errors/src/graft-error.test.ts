import { describe, expect, it } from "vitest";
import { GraftError } from "./graft-error.js";

describe("GraftError", () => {
  it("is recognised by its marker, also for a look-alike from another package copy", () => {
    const own = new GraftError({ name: "SomethingError", message: "what, where, fix" });
    const foreign = Object.assign(new Error("x"), { [Symbol.for("graft.error")]: true });
    const cases = [
      { name: "own", input: own, expected: true },
      { name: "foreign copy", input: foreign, expected: true },
      { name: "plain error", input: new Error("x"), expected: false },
      { name: "null", input: null, expected: false },
      { name: "string", input: "graft.error", expected: false },
    ];
    for (const testCase of cases) expect(GraftError.isInstance(testCase.input), testCase.name).toBe(testCase.expected);
  });

  it("keeps name, message and cause", () => {
    const cause = new Error("inner");
    const error = new GraftError({ name: "ConfigError", message: "bad config", cause });
    expect(error.name).toBe("ConfigError");
    expect(error.message).toBe("bad config");
    expect(error.cause).toBe(cause);
  });
});

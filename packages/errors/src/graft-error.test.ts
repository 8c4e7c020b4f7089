import { describe, expect, it } from "vitest";
import { GraftError } from "./graft-error.js";

const parentMarker = "graft.error.test.ParentError";
const parentSymbol = Symbol.for(parentMarker);
class ParentError extends GraftError {
  private readonly [parentSymbol] = true;
  static override isInstance(error: unknown): error is ParentError {
    return GraftError.hasMarker(error, parentMarker);
  }
}

const childMarker = "graft.error.test.ChildError";
const childSymbol = Symbol.for(childMarker);
class ChildError extends ParentError {
  private readonly [childSymbol] = true;
  static override isInstance(error: unknown): error is ChildError {
    return GraftError.hasMarker(error, childMarker);
  }
}

const siblingMarker = "graft.error.test.SiblingError";
const siblingSymbol = Symbol.for(siblingMarker);
class SiblingError extends GraftError {
  private readonly [siblingSymbol] = true;
  static override isInstance(error: unknown): error is SiblingError {
    return GraftError.hasMarker(error, siblingMarker);
  }
}

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

  it("a subclass with its own marker passes its own and its ancestors' isInstance, never a sibling's or a subclass's", () => {
    const errors = {
      graft: new GraftError({ name: "GraftError", message: "m" }),
      parent: new ParentError({ name: "ParentError", message: "m" }),
      child: new ChildError({ name: "ChildError", message: "m" }),
      sibling: new SiblingError({ name: "SiblingError", message: "m" }),
    };
    const cases = [
      { name: "GraftError", check: GraftError.isInstance, passes: ["graft", "parent", "child", "sibling"] },
      { name: "ParentError", check: ParentError.isInstance, passes: ["parent", "child"] },
      { name: "ChildError", check: ChildError.isInstance, passes: ["child"] },
      { name: "SiblingError", check: SiblingError.isInstance, passes: ["sibling"] },
    ];
    for (const testCase of cases) {
      const passing = Object.entries(errors)
        .filter(([, error]) => testCase.check(error))
        .map(([key]) => key);
      expect(passing, testCase.name).toEqual(testCase.passes);
    }
  });
});

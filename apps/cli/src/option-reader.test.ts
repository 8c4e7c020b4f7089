import { describe, expect, it } from "vitest";
import { OptionReader } from "./option-reader.js";
import { UsageError } from "./usage-error.js";

const read = (values: Record<string, string | boolean | string[] | undefined>) => new OptionReader("corpus build", values);

describe("OptionReader", () => {
  it("reads typed values", () => {
    const options = read({ "seq-len": "2048", ridge: "1e-4", lang: "ru, uk,", corpus: ["a.txt", "b.txt"], overwrite: true, format: "plain", negative: "-3" });
    expect(options.integer("seq-len", { min: 2 })).toBe(2048);
    expect(options.number("ridge", { min: 0 })).toBe(1e-4);
    expect(options.integer("negative")).toBe(-3);
    expect(options.list("lang")).toEqual(["ru", "uk"]);
    expect(options.strings("corpus")).toEqual(["a.txt", "b.txt"]);
    expect(options.strings("absent")).toEqual([]);
    expect(options.flag("overwrite")).toBe(true);
    expect(options.flag("absent")).toBe(false);
    expect(options.choice("format", ["plain", "inscp-document"] as const)).toBe("plain");
    expect(options.integer("absent")).toBeUndefined();
    expect(options.string("absent")).toBeUndefined();
  });

  it("rejects bad values with a UsageError that names the flag, the rule, the value and the help", () => {
    const cases = [
      {
        name: "not a number",
        call: () => read({ "seq-len": "abc" }).integer("seq-len", { min: 2 }),
        message: '--seq-len must be a whole number >= 2, got "abc"; see graft corpus build --help',
      },
      {
        name: "a fraction where a whole number is needed",
        call: () => read({ workers: "1.5" }).integer("workers", { min: 0 }),
        message: '--workers must be a whole number >= 0, got "1.5"',
      },
      { name: "empty", call: () => read({ workers: "" }).integer("workers"), message: '--workers must be a whole number, got ""' },
      { name: "below the minimum", call: () => read({ ridge: "-1" }).number("ridge", { min: 0 }), message: '--ridge must be a number >= 0, got "-1"' },
      {
        name: "not above the bound",
        call: () => read({ "learning-rate": "0" }).number("learning-rate", { above: 0 }),
        message: '--learning-rate must be a number > 0, got "0"',
      },
      {
        name: "above the maximum",
        call: () => read({ "valid-fraction": "1.5" }).number("valid-fraction", { min: 0, max: 1 }),
        message: '--valid-fraction must be a number >= 0 and <= 1, got "1.5"',
      },
      { name: "infinite", call: () => read({ ridge: "Infinity" }).number("ridge"), message: '--ridge must be a number, got "Infinity"' },
      { name: "too large to be exact", call: () => read({ steps: "99999999999999999999" }).integer("steps"), message: "--steps must be a whole number" },
      {
        name: "not a choice",
        call: () => read({ format: "xml" }).choice("format", ["plain", "inscp-document"]),
        message: '--format must be one of plain, inscp-document, got "xml"',
      },
      {
        name: "missing",
        call: () => read({ out: "", INPUT: [] }).require("tokenizer", "out", "INPUT"),
        message: "missing --tokenizer, --out, INPUT; see graft corpus build --help",
      },
    ];
    for (const testCase of cases) {
      let thrown: unknown;
      try {
        testCase.call();
      } catch (error) {
        thrown = error;
      }
      expect(UsageError.isInstance(thrown), testCase.name).toBe(true);
      expect((thrown as UsageError).message, testCase.name).toContain(testCase.message);
      expect((thrown as UsageError).command, testCase.name).toBe("corpus build");
    }
  });
});

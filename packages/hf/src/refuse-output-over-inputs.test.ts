import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { atomicOutputDirectory, refuseOutputOverInputs } from "./atomic-output-directory.js";
import { OutputOverlapsInputError } from "./output-overlaps-input-error.js";

const work = temporaryDirectory("graft-overlap-");
afterAll(() => work.remove());

describe("an output over an input", () => {
  const model = join(work.path, "model");
  mkdirSync(join(model, "sub"), { recursive: true });
  writeFileSync(join(model, "config.json"), "{}\n");
  writeFileSync(join(model, "sub", "tokenizer.json"), "{}\n");
  symlinkSync(model, join(work.path, "link-to-model"));

  it("is refused when the output is an input, contains one, or reaches one through a link", () => {
    const cases = [
      { name: "the same directory", out: model, inputs: [model] },
      { name: "the same directory, written differently", out: `${model}/../model/`, inputs: [model] },
      { name: "a file inside the output", out: model, inputs: [join(model, "sub", "tokenizer.json")] },
      { name: "a parent of the input", out: work.path, inputs: [join(model, "sub")] },
      { name: "a symbolic link to the input", out: join(work.path, "link-to-model"), inputs: [model] },
      { name: "a glob under the output", out: model, inputs: [join(model, "**", "*.txt")] },
    ];
    for (const testCase of cases) {
      let thrown: unknown;
      try {
        refuseOutputOverInputs(testCase.out, testCase.inputs);
      } catch (error) {
        thrown = error;
      }
      expect(OutputOverlapsInputError.isInstance(thrown), testCase.name).toBe(true);
      expect((thrown as Error).message, testCase.name).toMatch(/would replace what is being read/);
    }
  });

  it("is allowed beside the input or inside it", () => {
    for (const out of [join(work.path, "model-out"), join(work.path, "modelx"), join(model, "new-output")])
      expect(() => refuseOutputOverInputs(out, [model])).not.toThrow();
  });

  it("leaves every input byte-identical when atomicOutputDirectory refuses, overwrite or not", async () => {
    for (const overwrite of [false, true]) {
      await expect(atomicOutputDirectory(model, async () => "built", { overwrite, inputs: [model] })).rejects.toSatisfy(OutputOverlapsInputError.isInstance);
      expect(readFileSync(join(model, "config.json"), "utf8")).toBe("{}\n");
      expect(existsSync(join(model, "sub", "tokenizer.json"))).toBe(true);
    }
  });
});

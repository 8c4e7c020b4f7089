import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { ForeignOutputError } from "./foreign-output-error.js";
import { planStages, runStages } from "./stage-runner.js";
import { countingPipeline, journalOf } from "./testing/counting-pipeline.js";

const work = temporaryDirectory("graft-foreign-");
afterAll(() => work.remove());

describe("a stage-named directory graft did not write", () => {
  const cases = [
    { name: "a plain run", options: {} },
    { name: "a forced run", options: { force: true } },
    { name: "a run from that stage", options: { from: "double" } },
  ];
  for (const [index, testCase] of cases.entries()) {
    it(`is refused, never replaced (${testCase.name}); a dry-run plan says so too`, async () => {
      const directory = join(work.path, `run-${index}`);
      const journal = join(work.path, `journal-${index}.txt`);
      const pipeline = countingPipeline({ words: 3, journal });
      // The user keeps a file where the `double` stage's output would go.
      mkdirSync(join(directory, "double"), { recursive: true });
      writeFileSync(join(directory, "double", "notes.txt"), "mine\n");
      await expect(planStages(pipeline, directory, testCase.options)).rejects.toSatisfy(ForeignOutputError.isInstance);
      await expect(runStages(pipeline, directory, testCase.options)).rejects.toThrow(
        /double.*exists but graft did not write it.*move that directory out of the way/s,
      );
      expect(readFileSync(join(directory, "double", "notes.txt"), "utf8")).toBe("mine\n");
      expect(existsSync(join(work.path, `journal-${index}.txt`)) ? journalOf(journal) : []).toEqual([]);
    });
  }

  it("an empty directory of that name is taken as not run yet", async () => {
    const directory = join(work.path, "empty");
    mkdirSync(join(directory, "double"), { recursive: true });
    const journal = join(work.path, "journal-empty.txt");
    await runStages(countingPipeline({ words: 3, journal }), directory);
    expect(journalOf(journal)).toContain("double");
  });
});

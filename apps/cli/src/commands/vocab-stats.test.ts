import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

describe("graft vocab stats on an empty file", () => {
  it("is an error naming the file, not a row of zeros", async () => {
    const empty = join(work.path, "empty.txt");
    writeFileSync(empty, "\n\n  \n");
    const result = await graft("vocab", "stats", "--tokenizer", fixtureTokenizerDirectory("llama3"), "--text", empty);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`VocabularyInputError: ${empty}: has no text to measure`);
    expect(result.out).toBe("");
  });
});

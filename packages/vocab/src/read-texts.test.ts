import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { readTexts } from "./read-texts.js";
import { VocabularyInputError } from "./vocabulary-input-error.js";

const work = temporaryDirectory("graft-read-texts-");
afterAll(() => work.remove());

async function lines(path: string): Promise<number> {
  let count = 0;
  for await (const _line of readTexts([path])) count += 1;
  return count;
}

describe("readTexts", () => {
  const russian = gunzipSync(readFileSync(join(repositoryRoot(), "data", "ru-heldout.txt.gz")))
    .toString("utf8")
    .split("\n")
    .slice(0, 200)
    .join("\n");

  it("refuses a file that is not UTF-8 text, naming the share and the first offending line", async () => {
    const cases = [
      { name: "random bytes", bytes: randomBytes(64 * 1024), line: /line 1\b/ },
      { name: "UTF-16", bytes: Buffer.from(`\ufeff${russian}`, "utf16le"), line: /line 1\b/ },
      { name: "text, then binary", bytes: Buffer.concat([Buffer.from(`${russian}\n`), randomBytes(64 * 1024)]), line: /line 20[0-9]\b/ },
    ];
    for (const testCase of cases) {
      const path = join(work.path, `${testCase.name.replaceAll(" ", "-")}.txt`);
      writeFileSync(path, testCase.bytes);
      let thrown: unknown;
      try {
        await lines(path);
      } catch (error) {
        thrown = error;
      }
      expect(VocabularyInputError.isInstance(thrown), testCase.name).toBe(true);
      expect((thrown as VocabularyInputError).problem, testCase.name).toBe("not-text");
      expect((thrown as Error).message, testCase.name).toMatch(/is not UTF-8 text: \d+\.\d% of the characters/);
      expect((thrown as Error).message, testCase.name).toMatch(testCase.line);
    }
  });

  it("reads real text, a stray replacement character included", async () => {
    const path = join(work.path, "ru.txt");
    writeFileSync(path, `${russian}\nодин \ufffd символ\n`);
    expect(await lines(path)).toBe(russian.split("\n").length + 1);
  });
});

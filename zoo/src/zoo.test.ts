// The committed zoo meets the quality floor, re-measured on smaller samples than
// `npm run zoo` uses (zoo/quality.json holds the full measurement).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { measureZoo } from "./measure-zoo.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
const zoo = join(repositoryRoot(), "zoo");

describe("the tiny model zoo", () => {
  it("both models load in transformers with ONNX-matching logits and Python-identical tokenizers; base beats a unigram; instruct ends its turns and beats chance", async () => {
    expect(existsSync(join(zoo, "tiny-en-base", "config.json"))).toBe(true);
    expect(existsSync(join(zoo, "tiny-en-instruct", "config.json"))).toBe(true);
    const quality = await measureZoo({
      data: join(repositoryRoot(), "data"),
      base: join(zoo, "tiny-en-base"),
      instruct: join(zoo, "tiny-en-instruct"),
      heldoutItems: join(zoo, "heldout-ids.json"),
      work: work.path,
      say: () => undefined,
      limits: { heldoutCharacters: 8000, prompts: 40, unigramCharacters: 2_000_000 },
    });
    expect(quality.base.heldoutBitsPerCharacter).toBeLessThan(quality.base.unigramBitsPerCharacter * 0.9);
    expect(quality.base.onnxVsTransformersMaxLogitDifference).toBeLessThan(2e-3);
    expect(quality.base.tokenizerMatchesPython.identical).toBe(true);
    expect(quality.instruct.onnxVsTransformersMaxLogitDifference).toBeLessThan(2e-3);
    expect(quality.instruct.tokenizerMatchesPython.identical).toBe(true);
    expect(quality.instruct.endOfTurnRate).toBeGreaterThanOrEqual(0.95);
    // Word order is the task a 5M-parameter model can do; the knowledge tasks are reported, not required.
    const wordOrder = quality.instruct.multipleChoice["en-word-order"]!;
    expect(wordOrder.accuracy).toBeGreaterThan(wordOrder.chance);
    expect(wordOrder.pValueVsChance).toBeLessThan(0.01);
  });
});

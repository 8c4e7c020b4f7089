import { describe, expect, it } from "vitest";
import { interleaveReplay } from "./interleave-replay.js";

async function* documents(texts: readonly string[]) {
  for (const text of texts) yield { text };
}

async function* strings(texts: readonly string[]) {
  yield* texts;
}

async function collect(generator: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const text of generator) out.push(text);
  return out;
}

describe("interleaveReplay", () => {
  it("keeps every prefix near the share and the target order intact", async () => {
    const target = Array.from({ length: 40 }, (_, index) => `т${index}`.padEnd(100, "а"));
    const replay = Array.from({ length: 100 }, (_, index) => `e${index}`.padEnd(50, "e"));
    const mixed = interleaveReplay(documents(target), strings(replay)[Symbol.asyncIterator](), 0.25);
    const out = await collect(mixed.documents);
    expect(out.filter((text) => text.startsWith("т"))).toEqual(target);
    let replayCharacters = 0;
    let total = 0;
    for (const [index, text] of out.entries()) {
      total += text.length;
      if (text.startsWith("e")) replayCharacters += text.length;
      // after the first few documents, every prefix is within a replay document of the share
      if (index > 8) expect(Math.abs(replayCharacters / total - 0.25)).toBeLessThan(0.05);
    }
    expect(mixed.replayCharacters / (mixed.replayCharacters + mixed.targetCharacters)).toBeCloseTo(0.25, 1);
    expect(mixed.replayDocuments).toBe(out.length - target.length);
  });

  it("stops replaying when the replay text runs out, and says how much it used", async () => {
    const mixed = interleaveReplay(documents(["а".repeat(100), "б".repeat(100), "в".repeat(100)]), strings(["e".repeat(10)])[Symbol.asyncIterator](), 0.5);
    const out = await collect(mixed.documents);
    expect(out).toEqual(["а".repeat(100), "e".repeat(10), "б".repeat(100), "в".repeat(100)]);
    expect(mixed).toMatchObject({ targetCharacters: 300, replayCharacters: 10, replayDocuments: 1 });
  });
});

// A two-model report.json as evaluateModels writes it, for the renderers' tests.
import type { EvaluationReport } from "./evaluation-report.js";
import { wilsonInterval } from "./wilson-interval.js";

const speed = (tokensPerSecond: number, charactersPerSecond: number) => ({
  language: "ru",
  prefillTokensPerSecond: 10 * tokensPerSecond,
  tokensPerSecond,
  newTokens: 64,
  generatedCharactersPerSecond: 2 * tokensPerSecond,
  charactersPerSecond,
  passageCharacters: 300,
  passageTokens: Math.round((300 * tokensPerSecond) / charactersPerSecond),
});
const efficiency = (ru: number, en: number) => ({
  ru: { charactersPerToken: ru, tokensPerWord: 7 / ru, bytesPerToken: 1.8 * ru, byteTokenShare: 0.01 },
  en: { charactersPerToken: en, tokensPerWord: 5 / en, bytesPerToken: en, byteTokenShare: 0 },
});
const rates = (aligned: number, ended: number, count: number) => ({
  share: aligned / count,
  count,
  endedTurn: ended / count,
  shareInterval: wilsonInterval(aligned, count),
  endedTurnInterval: wilsonInterval(ended, count),
});
const alignment = (ruAligned: number) => ({
  ru: { ...rates(ruAligned, 9, 10), examples: [{ prompt: "Как дела?", reply: "Хорошо <b>", language: "ru" }] },
  en: { ...rates(9, 10, 10), examples: [] },
});
const multipleChoice = (correct: number) => ({ capitals: { accuracy: correct / 10, count: 10, interval: wilsonInterval(correct, 10) } });
export const SAMPLE_REPORT: EvaluationReport = {
  created: "2026-01-01T00:00:00.000Z",
  versions: { "@graft/eval": "0.1.0", node: "v20" },
  configuration: { models: ["base", "adapted"], language: "ru", heldout: "ru.txt", tasks: ["capitals.jsonl"] },
  models: [
    {
      model: "runs/base",
      name: "base",
      backend: "onnx",
      vocabularySize: 32000,
      charactersPerToken: 2.1,
      efficiency: efficiency(2.1, 3.9),
      bitsPerCharacter: { ru: 1.4, en: 0.9 },
      multipleChoice: multipleChoice(5),
      speed: speed(20, 42),
      alignment: alignment(3),
    },
    {
      model: "runs/adapted",
      name: "adapted",
      backend: "onnx",
      vocabularySize: 48000,
      charactersPerToken: 3.9,
      efficiency: efficiency(3.9, 3.8),
      bitsPerCharacter: { ru: 1.1, en: 0.95 },
      multipleChoice: multipleChoice(6),
      speed: speed(18, 70),
      alignment: alignment(8),
    },
  ],
};

// The real-model issue's targets, checked per adapted model against the report's numbers (the
// original instruct model first). From the InsCP paper's effect (0.09 -> 0.99 on Llama-3-8B):
// target replies >= 0.9 with English replies >= 0.95, English bits/char within 5%, and target
// characters per token >= 2.5x with the extended vocabulary; plus what shows adaptation on a model
// that already answers in the target script: lower target bits/char, multiple choice not lower.
import type { DemoCheck } from "./demo-summary.js";

interface ReportedModel {
  name: string;
  charactersPerToken: number;
  bitsPerCharacter: Record<string, number>;
  multipleChoice?: Record<string, { accuracy: number; interval?: [number, number] }>;
  alignment?: Record<string, { share: number; interval?: [number, number] }>;
}

export const RECIPE_TARGETS = {
  targetReplies: 0.9,
  englishReplies: 0.95,
  englishBitsTolerance: 1.05,
  charactersPerTokenRatio: 2.5,
} as const;

const round = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "n/a" : Number(value.toPrecision(4)).toString());

/** One line per target and adapted model. */
export function recipeChecks(models: readonly ReportedModel[], language: string): DemoCheck[] {
  const [original, ...adapted] = models as [ReportedModel, ...ReportedModel[]];
  const checks: DemoCheck[] = [];
  for (const model of adapted) {
    const ratio = model.charactersPerToken / original.charactersPerToken;
    const target = model.alignment?.[language]?.share;
    const english = model.alignment?.en?.share;
    const englishBits = model.bitsPerCharacter.en;
    const targetBits = model.bitsPerCharacter[language];
    checks.push(
      {
        claim: `${model.name}: ${language} characters per token >= ${RECIPE_TARGETS.charactersPerTokenRatio}x the original's`,
        measured: `${round(model.charactersPerToken)} vs ${round(original.charactersPerToken)} (${ratio.toFixed(2)}x)`,
        met: ratio >= RECIPE_TARGETS.charactersPerTokenRatio,
      },
      {
        claim: `${model.name}: ${language}->${language} replies >= ${RECIPE_TARGETS.targetReplies} with en->en >= ${RECIPE_TARGETS.englishReplies}`,
        measured: `${round(target)} and ${round(english)} (original ${round(original.alignment?.[language]?.share)} and ${round(original.alignment?.en?.share)})`,
        met: (target ?? -1) >= RECIPE_TARGETS.targetReplies && (english ?? -1) >= RECIPE_TARGETS.englishReplies,
      },
      {
        claim: `${model.name}: en bits per character within ${Math.round((RECIPE_TARGETS.englishBitsTolerance - 1) * 100)}% of the original's`,
        measured: `${round(englishBits)} vs ${round(original.bitsPerCharacter.en)}`,
        met: (englishBits ?? Infinity) <= (original.bitsPerCharacter.en ?? -Infinity) * RECIPE_TARGETS.englishBitsTolerance,
      },
      {
        claim: `${model.name}: ${language} bits per character lower than the original's`,
        measured: `${round(targetBits)} vs ${round(original.bitsPerCharacter[language])}`,
        met: (targetBits ?? Infinity) < (original.bitsPerCharacter[language] ?? -Infinity),
      },
    );
    for (const [task, result] of Object.entries(model.multipleChoice ?? {})) {
      const before = original.multipleChoice?.[task]?.accuracy;
      checks.push({
        claim: `${model.name}: ${task} accuracy not lower than the original's`,
        measured: `${round(result.accuracy)} vs ${round(before)}`,
        met: result.accuracy >= (before ?? Infinity),
      });
    }
  }
  return checks;
}

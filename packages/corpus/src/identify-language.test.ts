import { describe, expect, it } from "vitest";
import type { CorpusDocument } from "./corpus-document.js";
import { createLanguageIdentifier, identifyLanguage } from "./identify-language.js";
import { languageFilter } from "./language-filter.js";

const samples = [
  { language: "ru", text: "Сегодня утром мы пошли в парк и долго гуляли вдоль реки, обсуждая планы на лето." },
  { language: "uk", text: "Сьогодні вранці ми пішли до парку і довго гуляли вздовж річки, обговорюючи плани на літо." },
  { language: "en", text: "This morning we went to the park and walked along the river for a long time, discussing our summer plans." },
  { language: "de", text: "Heute Morgen gingen wir in den Park und spazierten lange am Fluss entlang, um unsere Sommerpläne zu besprechen." },
  { language: "zh", text: "今天早上我们去了公园，沿着河边走了很久，讨论我们的暑假计划。" },
];

describe("createLanguageIdentifier (fastText lid.176)", () => {
  it.each(samples)("labels $language text as $language", async ({ language, text }) => {
    const identify = await createLanguageIdentifier();
    const guess = await identify(text);
    expect(guess.language).toBe(language);
    expect(guess.score).toBeGreaterThan(0.5);
  });

  it("identifyLanguage labels a batch in order (and one text alone)", async () => {
    const guesses = await identifyLanguage(samples.map((sample) => sample.text));
    expect(guesses.map((guess) => guess.language)).toEqual(samples.map((sample) => sample.language));
    expect((await identifyLanguage("")).language).toBe("unknown");
  });

  it("the language filter keeps Russian only, with label and score in the metadata", async () => {
    const step = languageFilter({ languages: ["ru"], threshold: 0.5, identify: await createLanguageIdentifier() });
    const results = await Promise.all(samples.map((sample, line) => step({ id: `s:${line}`, text: sample.text, metadata: { source: "s", line } })));
    expect(results.map((result) => ("drop" in result ? result.drop : (result as CorpusDocument).metadata.language))).toEqual([
      "ru",
      "language",
      "language",
      "language",
      "language",
    ]);
    expect((results[0] as CorpusDocument).metadata.language_score).toBeGreaterThan(0.5);
  });
});

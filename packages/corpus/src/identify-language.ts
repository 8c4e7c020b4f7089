import { getLIDModel } from "fasttext.wasm.js";

/** A language label (ISO 639-1 where fastText has one, e.g. `ru`) and fastText's probability. */
export interface LanguageGuess {
  language: string;
  score: number;
}

export type LanguageIdentifier = (text: string) => Promise<LanguageGuess>;

/** Characters of a document the identifier looks at (fastText is linear in length; the start decides). */
export const LANGUAGE_ID_CHARACTERS = 2000;

let loaded: Promise<Awaited<ReturnType<typeof getLIDModel>>> | undefined;

/**
 * fastText's lid.176 language identifier (176 languages, shipped with `fasttext.wasm.js`, runs
 * offline). The model is loaded once per process. Newlines are folded to spaces (fastText reads one line).
 */
export async function createLanguageIdentifier(): Promise<LanguageIdentifier> {
  loaded ??= (async () => {
    const model = await getLIDModel();
    await model.load();
    return model;
  })();
  const model = await loaded;
  return async (text) => {
    const line = text.slice(0, LANGUAGE_ID_CHARACTERS).replace(/\s+/gu, " ").trim();
    if (line === "") return { language: "unknown", score: 0 };
    const result = await model.identify(line);
    return { language: result.alpha2 ?? result.alpha3 ?? "unknown", score: result.possibility };
  };
}

/**
 * Labels one text or a batch with fastText lid.176 (the model is loaded once per process).
 * `identifyLanguage("Привет, мир")` → `{ language: "ru", score: 0.97 }`; an array gives one guess per text, in order.
 */
export async function identifyLanguage(text: string): Promise<LanguageGuess>;
export async function identifyLanguage(texts: readonly string[]): Promise<LanguageGuess[]>;
export async function identifyLanguage(input: string | readonly string[]): Promise<LanguageGuess | LanguageGuess[]> {
  const identify = await createLanguageIdentifier();
  if (typeof input === "string") return identify(input);
  const guesses: LanguageGuess[] = [];
  for (const text of input) guesses.push(await identify(text));
  return guesses;
}

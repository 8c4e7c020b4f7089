import type { LanguageIdentifier } from "./identify-language.js";
import type { PipelineStep } from "./pipeline-step.js";

/**
 * Keeps documents identified as one of `languages` with at least `threshold` probability; the
 * label and score go into the metadata. Drop reasons: `language` (another language) and
 * `language_score` (the right language, below the threshold).
 */
export function languageFilter({
  languages,
  threshold = 0.5,
  identify,
}: {
  languages: readonly string[];
  threshold?: number;
  identify: LanguageIdentifier;
}): PipelineStep {
  const wanted = new Set(languages);
  return async (document) => {
    const { language, score } = await identify(document.text);
    if (!wanted.has(language)) return { drop: "language" };
    if (score < threshold) return { drop: "language_score" };
    return { ...document, metadata: { ...document.metadata, language, language_score: score } };
  };
}

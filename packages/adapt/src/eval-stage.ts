import { evaluateModels } from "@graft/eval";
import type { AdaptConfig } from "./adapt-config.js";
import type { Stage } from "./stage.js";

/** The report's files inside the eval stage's output. */
export const REPORT_FILE = "report.html";

/** A model the report compares: a stage's output or the original instruct model (the report labels it by its directory's name). */
export interface ReportedModel {
  name: string;
  source: { stage: string } | { directory: string };
}

/** `eval`: every model on the same held-out text, tasks and prompts; report.json + report.html (@graft/eval). */
export function evalStage(config: AdaptConfig, models: ReportedModel[]): Stage {
  const settings = config.eval;
  return {
    name: "eval",
    description: `report comparing ${models.map((model) => model.name).join(", ")}`,
    settings: {
      language: config.language,
      models: models.map((model) => ({ name: model.name, ...("stage" in model.source ? { stage: model.source.stage } : {}) })),
      alignmentPrompts: settings.alignmentPrompts,
      heldoutCharacters: settings.heldoutCharacters,
    },
    after: models.flatMap((model) => ("stage" in model.source ? [model.source.stage] : [])),
    inputs: [
      ...models.flatMap((model) => ("directory" in model.source ? [model.source.directory] : [])),
      settings.heldout,
      ...(settings.heldoutEnglish ? [settings.heldoutEnglish] : []),
      ...(settings.prompts ?? []),
      ...(settings.tasks ?? []),
    ],
    run: async ({ out, upstream, progress }) => {
      const directories = models.map((model) => ("stage" in model.source ? upstream(model.source.stage) : model.source.directory));
      const report = await evaluateModels({
        models: directories,
        language: config.language,
        heldout: settings.heldout,
        englishHeldout: settings.heldoutEnglish,
        prompts: settings.prompts,
        tasks: settings.tasks ?? [],
        alignmentPrompts: settings.alignmentPrompts,
        heldoutCharacters: settings.heldoutCharacters,
        threads: settings.threads,
        out,
        overwrite: true,
        onProgress: ({ model, step }) => progress({ type: "eval-progress", model: models[directories.indexOf(model)]?.name ?? model, step }),
      });
      return {
        models: Object.fromEntries(
          report.models.map((model, index) => [
            models[index]?.name ?? model.model,
            {
              charactersPerToken: model.charactersPerToken,
              bitsPerCharacter: model.bitsPerCharacter,
              alignment: Object.fromEntries(Object.entries(model.alignment ?? {}).map(([language, result]) => [language, result.share])),
            },
          ]),
        ),
      };
    },
  };
}

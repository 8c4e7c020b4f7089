import { GraftError } from "@graft/errors";

const marker = "graft.error.PromptFileError";
const symbol = Symbol.for(marker);

/** A prompts JSONL line is malformed, lacks `prompt`/`lang`, or mixes languages. */
export class PromptFileError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly line: number;

  constructor(options: { path: string; line: number; message: string }) {
    super({
      name: "PromptFileError",
      message: `${options.path}:${options.line}: ${options.message}. Each line must be {"prompt": string, "lang": code}, one language per file (data/prompts-ru.jsonl is an example).`,
    });
    this.path = options.path;
    this.line = options.line;
  }

  static override isInstance(error: unknown): error is PromptFileError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "@graft/errors";

const marker = "graft.error.CorpusResumeError";
const symbol = Symbol.for(marker);

/** A partial build cannot be continued by this run: a setting that shapes the output differs. */
export class CorpusResumeError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly setting: string;
  readonly expected: unknown;
  readonly found: unknown;

  constructor({ path, setting, expected, found }: { path: string; setting: string; expected: unknown; found: unknown }) {
    super({
      name: "CorpusResumeError",
      message: `${path}: the partial build was made with ${setting} = ${JSON.stringify(expected)}, this run has ${JSON.stringify(found)}; rerun with the same settings to resume, or delete ${path} to start over`,
    });
    this.path = path;
    this.setting = setting;
    this.expected = expected;
    this.found = found;
  }

  static override isInstance(error: unknown): error is CorpusResumeError {
    return GraftError.hasMarker(error, marker);
  }
}

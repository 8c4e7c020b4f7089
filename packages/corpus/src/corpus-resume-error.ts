import { GraftError } from "@graft/hf";

/** A partial build cannot be continued by this run: a setting that shapes the output differs. */
export class CorpusResumeError extends GraftError {
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
}

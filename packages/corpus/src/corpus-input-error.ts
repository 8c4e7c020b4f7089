import { GraftError } from "@graft/hf";

/** An input file graft cannot read as a corpus (missing, unknown format, no documents). */
export class CorpusInputError extends GraftError {
  readonly path: string;

  constructor({ path, message }: { path: string; message: string }) {
    super({ name: "CorpusInputError", message: `${path}: ${message}` });
    this.path = path;
  }
}

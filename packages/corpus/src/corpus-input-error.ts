import { GraftError } from "@graft/errors";

const marker = "graft.error.CorpusInputError";
const symbol = Symbol.for(marker);

/** An input file graft cannot read as a corpus (missing, unknown format, no documents). */
export class CorpusInputError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;

  constructor({ path, message }: { path: string; message: string }) {
    super({ name: "CorpusInputError", message: `${path}: ${message}` });
    this.path = path;
  }

  static override isInstance(error: unknown): error is CorpusInputError {
    return GraftError.hasMarker(error, marker);
  }
}

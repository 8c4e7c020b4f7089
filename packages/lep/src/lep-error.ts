import { GraftError } from "@graft/errors";

const marker = "graft.error.LepInputError";
const symbol = Symbol.for(marker);

/** Inputs to `graft lep` that do not fit together (sizes, names, vocabularies, tying). */
export class LepInputError extends GraftError {
  private readonly [symbol] = true;
  /** The model directory (or directories) the mismatch is about. */
  readonly path: string;
  /** What did not match, e.g. `hidden_size`, `tensor-names`, `base-vocabulary`. */
  readonly mismatch: string;

  constructor({ path, mismatch, message, cause }: { path: string; mismatch: string; message: string; cause?: unknown }) {
    super({ name: "LepInputError", message, cause });
    this.path = path;
    this.mismatch = mismatch;
  }

  static override isInstance(error: unknown): error is LepInputError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "@graft/hf";

/** Inputs to `graft lep` that do not fit together (sizes, names, vocabularies, tying). */
export class LepInputError extends GraftError {
  /** The model directory (or directories) the mismatch is about. */
  readonly path: string;
  /** What did not match, e.g. `hidden_size`, `tensor-names`, `base-vocabulary`. */
  readonly mismatch: string;

  constructor({ path, mismatch, message, cause }: { path: string; mismatch: string; message: string; cause?: unknown }) {
    super({ name: "LepInputError", message, cause });
    this.path = path;
    this.mismatch = mismatch;
  }
}

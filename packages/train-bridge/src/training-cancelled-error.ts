import { GraftError } from "@graft/errors";

const marker = "graft.error.TrainingCancelledError";
const symbol = Symbol.for(marker);

/** The caller's AbortSignal fired; the trainer's process group was killed. */
export class TrainingCancelledError extends GraftError {
  private readonly [symbol] = true;
  readonly lastStep?: number;

  constructor({ lastStep, cause }: { lastStep?: number; cause?: unknown }) {
    super({
      name: "TrainingCancelledError",
      message: `training was cancelled${lastStep === undefined ? "" : ` after step ${lastStep}`}; rerun the same job to resume from its latest checkpoint`,
      cause,
    });
    this.lastStep = lastStep;
  }

  static override isInstance(error: unknown): error is TrainingCancelledError {
    return GraftError.hasMarker(error, marker);
  }
}

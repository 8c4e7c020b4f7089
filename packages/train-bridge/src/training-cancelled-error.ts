import { GraftError } from "@graft/hf";

const marker = Symbol.for("graft.train-bridge.training-cancelled-error");

/** The caller's AbortSignal fired; the trainer's process group was killed. */
export class TrainingCancelledError extends GraftError {
  private readonly [marker] = true;
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
    return GraftError.hasMarker(error, "graft.train-bridge.training-cancelled-error");
  }
}

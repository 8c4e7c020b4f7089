import { GraftError } from "@graft/errors";

const marker = "graft.error.TrainJobError";
const symbol = Symbol.for(marker);

/** A training job failed validation before any Python was launched. */
export class TrainJobError extends GraftError {
  private readonly [symbol] = true;
  /** The job field at fault (camelCase, as in `TrainJob`). */
  readonly field: string;
  readonly reason: string;

  constructor({ field, reason, cause }: { field: string; reason: string; cause?: unknown }) {
    super({ name: "TrainJobError", message: `training job field \`${field}\`: ${reason}`, cause });
    this.field = field;
    this.reason = reason;
  }

  static override isInstance(error: unknown): error is TrainJobError {
    return GraftError.hasMarker(error, marker);
  }
}

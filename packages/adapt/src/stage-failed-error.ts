import { GraftError } from "@graft/errors";

const marker = "graft.error.StageFailedError";
const symbol = Symbol.for(marker);

/** A stage threw: its partial output was discarded, its log kept; finished stages stay finished. */
export class StageFailedError extends GraftError {
  private readonly [symbol] = true;
  readonly stage: string;
  readonly logPath: string;

  constructor({ stage, logPath, cause }: { stage: string; logPath: string; cause: unknown }) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super({
      name: "StageFailedError",
      message: `stage "${stage}" failed: ${reason}\n  log: ${logPath}\n  fix the cause and rerun the same command: finished stages are skipped, this one starts again (a training stage resumes from its last checkpoint)`,
      cause,
    });
    this.stage = stage;
    this.logPath = logPath;
  }

  static override isInstance(error: unknown): error is StageFailedError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "@graft/errors";

const marker = "graft.error.SlurmJobError";
const symbol = Symbol.for(marker);

/** A training job run through Slurm failed (sbatch could not start, the job failed, or it ended without finishing). */
export class SlurmJobError extends GraftError {
  private readonly [symbol] = true;
  readonly jobId: string;
  readonly exitCode: number | null;

  constructor({ jobId, exitCode, message, cause }: { jobId: string; exitCode: number | null; message: string; cause?: unknown }) {
    super({
      name: "SlurmJobError",
      message: `Slurm job ${jobId || "(not submitted)"}${exitCode !== null ? ` (sbatch exit ${exitCode})` : ""}: ${message}`,
      cause,
    });
    this.jobId = jobId;
    this.exitCode = exitCode;
  }

  static override isInstance(error: unknown): error is SlurmJobError {
    return GraftError.hasMarker(error, marker);
  }
}

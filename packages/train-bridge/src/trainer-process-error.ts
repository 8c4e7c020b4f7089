import { GraftError } from "@graft/errors";

const marker = "graft.error.TrainerProcessError";
const symbol = Symbol.for(marker);

export interface TrainerProcessErrorContext {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The Python exception class, from the trainer's `error` event (undefined when none came). */
  errorType?: string;
  /** The last lines of the Python traceback (or of stderr when the process died without one). */
  tracebackTail: string;
  command: string[];
}

/** The trainer process failed: a Python exception, a crash, or a kill from outside. */
export class TrainerProcessError extends GraftError {
  private readonly [symbol] = true;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly errorType?: string;
  readonly tracebackTail: string;
  readonly command: string[];

  constructor(context: TrainerProcessErrorContext & { message: string; cause?: unknown }) {
    const how = context.signal ? `was killed by ${context.signal}` : `exited with code ${context.exitCode}`;
    super({
      name: "TrainerProcessError",
      message: `the trainer (${context.command.join(" ")}) ${how}: ${context.errorType ? `${context.errorType}: ` : ""}${context.message}\n${context.tracebackTail}\nFix the cause above and rerun; with checkpoints, the run resumes from the latest one.`,
      cause: context.cause,
    });
    this.exitCode = context.exitCode;
    this.signal = context.signal;
    this.errorType = context.errorType;
    this.tracebackTail = context.tracebackTail;
    this.command = context.command;
  }

  static override isInstance(error: unknown): error is TrainerProcessError {
    return GraftError.hasMarker(error, marker);
  }
}

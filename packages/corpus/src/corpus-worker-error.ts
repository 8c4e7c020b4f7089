import { GraftError } from "@graft/errors";

const marker = "graft.error.CorpusWorkerError";
const symbol = Symbol.for(marker);

/** A corpus worker thread failed: the original error's name and message, and the thread it ran on. */
export class CorpusWorkerError extends GraftError {
  private readonly [symbol] = true;
  readonly workerName: string;

  constructor({ workerName, originalName, message, stack }: { workerName: string; originalName: string; message: string; stack?: string }) {
    super({ name: "CorpusWorkerError", message: `${workerName}: ${originalName}: ${message} (rerun with --workers 0 to see it in the main thread)` });
    this.workerName = workerName;
    if (stack) this.stack = `${this.stack}\nCaused in the worker by: ${stack}`;
  }

  static override isInstance(error: unknown): error is CorpusWorkerError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "@graft/hf";

/** A corpus worker thread failed: the original error's name and message, and the thread it ran on. */
export class CorpusWorkerError extends GraftError {
  readonly workerName: string;

  constructor({ workerName, originalName, message, stack }: { workerName: string; originalName: string; message: string; stack?: string }) {
    super({ name: "CorpusWorkerError", message: `${workerName}: ${originalName}: ${message} (rerun with --workers 0 to see it in the main thread)` });
    this.workerName = workerName;
    if (stack) this.stack = `${this.stack}\nCaused in the worker by: ${stack}`;
  }
}

import { GraftError } from "@graft/errors";

const marker = "graft.error.TaskFileError";
const symbol = Symbol.for(marker);

/** A multiple-choice task file line is malformed or its answer index is out of range. */
export class TaskFileError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly line: number;

  constructor(options: { path: string; line: number; message: string }) {
    super({
      name: "TaskFileError",
      message: `${options.path}:${options.line}: ${options.message}. Each line must be {"question": string, "choices": string[], "answer": index into choices}.`,
    });
    this.path = options.path;
    this.line = options.line;
  }

  static override isInstance(error: unknown): error is TaskFileError {
    return GraftError.hasMarker(error, marker);
  }
}

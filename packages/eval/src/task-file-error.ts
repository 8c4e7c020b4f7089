import { GraftError } from "@graft/hf";

/** A multiple-choice task file line is malformed or its answer index is out of range. */
export class TaskFileError extends GraftError {
  readonly path: string;
  readonly line: number;

  constructor(options: { path: string; line: number; message: string }) {
    super({ name: "TaskFileError", message: `${options.path}:${options.line}: ${options.message}. Each line must be {"question": string, "choices": string[], "answer": index into choices}.` });
    this.path = options.path;
    this.line = options.line;
  }
}

import { GraftError } from "@graft/hf";

/** A JSONL input line that is not JSON or lacks the field a format needs. */
export class SampleInputError extends GraftError {
  readonly path: string;
  readonly line: number;

  constructor({ path, line, message, cause }: { path: string; line: number; message: string; cause?: unknown }) {
    super({ name: "SampleInputError", message: `${path}:${line}: ${message}`, cause });
    this.path = path;
    this.line = line;
  }
}

import { GraftError } from "@graft/errors";

const marker = "graft.error.ReportFileError";
const symbol = Symbol.for(marker);

/** A file that should be a report.json (or a README to update) is not one. */
export class ReportFileError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;

  constructor({ path, message }: { path: string; message: string }) {
    super({ name: "ReportFileError", message: `${path}: ${message}` });
    this.path = path;
  }

  static override isInstance(error: unknown): error is ReportFileError {
    return GraftError.hasMarker(error, marker);
  }
}

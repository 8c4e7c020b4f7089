import { GraftError } from "@graft/errors";

const marker = "graft.error.ExportOptionError";
const symbol = Symbol.for(marker);

/** An `exportOnnx` option has a value the exporter does not accept (e.g. an unknown `operators`). */
export class ExportOptionError extends GraftError {
  private readonly [symbol] = true;
  readonly option: string;
  readonly value: unknown;

  constructor(options: { option: string; value: unknown; allowed: readonly string[] }) {
    super({
      name: "ExportOptionError",
      message: `exportOnnx: ${options.option} ${JSON.stringify(options.value)} is not supported; use one of ${options.allowed.join(", ")}`,
    });
    this.option = options.option;
    this.value = options.value;
  }

  static override isInstance(error: unknown): error is ExportOptionError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "@graft/hf";

/** An `exportOnnx` option has a value the exporter does not accept (e.g. an unknown `operators`). */
export class ExportOptionError extends GraftError {
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
}

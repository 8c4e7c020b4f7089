import { GraftError } from "@graft/errors";

const marker = "graft.error.OutputFileExistsError";
const symbol = Symbol.for(marker);

/** The output file already exists and overwriting was not asked for. */
export class OutputFileExistsError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;

  constructor({ path }: { path: string }) {
    super({
      name: "OutputFileExistsError",
      message: `${path} already exists. Choose another output file, delete it, or pass \`overwrite: true\` (\`--overwrite\` on the command line).`,
    });
    this.path = path;
  }

  static override isInstance(error: unknown): error is OutputFileExistsError {
    return GraftError.hasMarker(error, marker);
  }
}

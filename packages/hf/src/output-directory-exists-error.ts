import { GraftError } from "@graft/errors";

const marker = "graft.error.OutputDirectoryExistsError";
const symbol = Symbol.for(marker);

/** The output directory already exists and overwriting was not asked for. */
export class OutputDirectoryExistsError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;

  constructor({ path }: { path: string }) {
    super({
      name: "OutputDirectoryExistsError",
      message: `${path} already exists and is not empty. Choose another output path, delete it, or pass \`overwrite: true\` (\`--overwrite\` on the command line).`,
    });
    this.path = path;
  }

  static override isInstance(error: unknown): error is OutputDirectoryExistsError {
    return GraftError.hasMarker(error, marker);
  }
}

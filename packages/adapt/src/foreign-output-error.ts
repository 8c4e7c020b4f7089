import { GraftError } from "@graft/errors";

const marker = "graft.error.ForeignOutputError";
const symbol = Symbol.for(marker);

/** A stage's output directory exists but graft did not write it (no stage marker): graft never replaces it. */
export class ForeignOutputError extends GraftError {
  private readonly [symbol] = true;
  readonly stage: string;
  readonly path: string;

  constructor({ stage, path, markerFile }: { stage: string; path: string; markerFile: string }) {
    super({
      name: "ForeignOutputError",
      message: `${path} (the output of stage "${stage}") exists but graft did not write it: it has no ${markerFile}. graft replaces only what it wrote; move that directory out of the way, or choose another "out" directory, and run again`,
    });
    this.stage = stage;
    this.path = path;
  }

  static override isInstance(error: unknown): error is ForeignOutputError {
    return GraftError.hasMarker(error, marker);
  }
}

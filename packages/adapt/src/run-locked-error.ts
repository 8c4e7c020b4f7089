import { GraftError } from "@graft/errors";

const marker = "graft.error.RunLockedError";
const symbol = Symbol.for(marker);

/** Another live process is running stages in the same work directory. */
export class RunLockedError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly pid: number;

  constructor({ path, pid }: { path: string; pid: number }) {
    super({
      name: "RunLockedError",
      message: `${path}: process ${pid} is running this pipeline's stages; wait for it, stop it, or use another "out" directory`,
    });
    this.path = path;
    this.pid = pid;
  }

  static override isInstance(error: unknown): error is RunLockedError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "@graft/hf";

/** Another live process is running stages in the same work directory. */
export class RunLockedError extends GraftError {
  readonly path: string;
  readonly pid: number;

  constructor({ path, pid }: { path: string; pid: number }) {
    super({ name: "RunLockedError", message: `${path}: process ${pid} is running this pipeline's stages; wait for it, stop it, or use another "out" directory` });
    this.path = path;
    this.pid = pid;
  }
}

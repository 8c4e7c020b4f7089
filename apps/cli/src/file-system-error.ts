import { GraftError } from "@graft/errors";

const marker = "graft.error.FileSystemError";
const symbol = Symbol.for(marker);

/** What to do about each operating-system error a user can cause. */
const FIXES: Record<string, string> = {
  ENOENT: "check the path (it does not exist)",
  EACCES: "check the permissions, or choose a directory you can write",
  EPERM: "check the permissions, or choose a directory you can write",
  EROFS: "the file system is read-only: choose another directory",
  ENOSPC: "the disk is full: free space, or choose another directory",
  EDQUOT: "the disk quota is exhausted: free space, or choose another directory",
  EFBIG: "the file grew past the size limit (ulimit -f): raise it or write elsewhere",
  EISDIR: "a directory is where a file was expected: pass the file",
  ENOTDIR: "a file is where a directory was expected: check each part of the path",
  EEXIST: "something already exists there: remove it or choose another path",
  EMFILE: "too many open files: raise the limit (ulimit -n)",
};

export interface SystemErrorLike {
  code: string;
  path?: string;
  syscall?: string;
  message: string;
}

/** A Node.js system error (`ENOENT`, `EACCES`, `ENOSPC`, ...) as a graft error: what, where, the fix. */
export class FileSystemError extends GraftError {
  private readonly [symbol] = true;
  readonly code: string;
  readonly path?: string;

  constructor({ code, path, syscall, message }: SystemErrorLike) {
    const where = path ? `${path}: ` : "";
    const what = message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "");
    super({ name: "FileSystemError", message: `${where}${what}${syscall ? ` (${syscall})` : ""}; ${FIXES[code] ?? "check the path and try again"}` });
    this.code = code;
    this.path = path;
  }

  /** True for an error Node.js raised for a failed system call on a path. */
  static isSystemError(error: unknown): error is SystemErrorLike {
    if (!(error instanceof Error)) return false;
    const { code, syscall } = error as Error & { code?: unknown; syscall?: unknown };
    return typeof code === "string" && /^E[A-Z]+$/.test(code) && typeof syscall === "string";
  }

  static override isInstance(error: unknown): error is FileSystemError {
    return GraftError.hasMarker(error, marker);
  }
}

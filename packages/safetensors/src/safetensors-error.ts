/**
 * Base of this package's errors. It carries the marker `Symbol.for("graft.error")`, so
 * `GraftError.isInstance` from `@graft/hf` recognises these errors without this package
 * depending on it (it has no dependencies).
 */
const GRAFT_MARKER = Symbol.for("graft.error");
const SAFETENSORS_MARKER = Symbol.for("graft.safetensors.error");

export class SafetensorsError extends Error {
  private readonly [GRAFT_MARKER] = true;
  private readonly [SAFETENSORS_MARKER] = true;
  /** The file the error is about, when there is one. */
  readonly path?: string;
  override readonly cause?: unknown;

  constructor({ name, message, path, cause }: { name: string; message: string; path?: string; cause?: unknown }) {
    super(message);
    this.name = name;
    this.path = path;
    this.cause = cause;
  }

  static isInstance(error: unknown): error is SafetensorsError {
    return error != null && typeof error === "object" && (error as Record<symbol, unknown>)[SAFETENSORS_MARKER] === true;
  }
}

/**
 * The base error of every graft package. Errors are recognised by a global symbol marker
 * rather than `instanceof`, so `GraftError.isInstance` works across duplicated package copies
 * and for errors of `@graft/safetensors`, which has no dependencies and carries the same marker.
 */
export const GRAFT_ERROR_MARKER = "graft.error";
const marker = Symbol.for(GRAFT_ERROR_MARKER);

export interface GraftErrorOptions {
  /** Class name, e.g. `TokenizerLoadError`. */
  name: string;
  /** What was wrong, where, and what to do about it. */
  message: string;
  cause?: unknown;
}

export class GraftError extends Error {
  private readonly [marker] = true;
  override readonly cause?: unknown;

  constructor({ name, message, cause }: GraftErrorOptions) {
    super(message);
    this.name = name;
    this.cause = cause;
  }

  /** True for any graft error, from any copy of any graft package. */
  static isInstance(error: unknown): error is GraftError {
    return GraftError.hasMarker(error, GRAFT_ERROR_MARKER);
  }

  /** Subclasses call this with their own marker (`Symbol.for(theirMarker)` set on instances). */
  protected static hasMarker(error: unknown, markerName: string): boolean {
    const markerSymbol = Symbol.for(markerName);
    return error != null && typeof error === "object" && markerSymbol in error && (error as Record<symbol, unknown>)[markerSymbol] === true;
  }
}

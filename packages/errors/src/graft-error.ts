/**
 * The base error of every graft package. Errors are recognised by global symbol markers rather
 * than `instanceof`, so `isInstance` also works when two copies of a package are installed.
 *
 * Each error class sets its own marker on its instances and has its own static `isInstance`
 * that checks that marker: an instance passes its own class's check and its ancestors' (it
 * carries their markers too), never a sibling's or a subclass's. A subclass looks like this:
 *
 * ```ts
 * const marker = "graft.error.ConfigError";
 * const symbol = Symbol.for(marker);
 *
 * export class ConfigError extends GraftError {
 *   private readonly [symbol] = true;
 *   static override isInstance(error: unknown): error is ConfigError {
 *     return GraftError.hasMarker(error, marker);
 *   }
 * }
 * ```
 */
export const GRAFT_ERROR_MARKER = "graft.error";
const symbol = Symbol.for(GRAFT_ERROR_MARKER);

export interface GraftErrorOptions {
  /** Class name, e.g. `TokenizerLoadError`. */
  name: string;
  /** What was wrong, where, and what to do about it. */
  message: string;
  cause?: unknown;
}

export class GraftError extends Error {
  private readonly [symbol] = true;
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

  /** Subclasses' `isInstance` calls this with their own marker (`Symbol.for(marker)` set to true on instances). */
  protected static hasMarker(error: unknown, markerName: string): boolean {
    const markerSymbol = Symbol.for(markerName);
    return error != null && typeof error === "object" && markerSymbol in error && (error as Record<symbol, unknown>)[markerSymbol] === true;
  }
}

import { GraftError } from "@graft/errors";

const marker = "graft.error.SampleTooLongError";
const symbol = Symbol.for(marker);

/** A sample that does not fit the maximum length, even after splitting at every boundary. */
export class SampleTooLongError extends GraftError {
  private readonly [symbol] = true;
  readonly tokens: number;
  readonly maxLength: number;
  readonly path?: string;
  readonly line?: number;
  readonly excerpt: string;
  readonly what: string;

  constructor({
    tokens,
    maxLength,
    excerpt,
    what = "a sentence",
    path,
    line,
  }: { tokens: number; maxLength: number; excerpt: string; what?: string; path?: string; line?: number }) {
    super({
      name: "SampleTooLongError",
      message: `${path ? `${path}${line ? `:${line}` : ""}: ` : ""}${what} of ${tokens} tokens ("${excerpt}…") does not fit max length ${maxLength} even alone with the template around it. Raise --max-length, or pre-split such text.`,
    });
    this.tokens = tokens;
    this.maxLength = maxLength;
    this.path = path;
    this.line = line;
    this.excerpt = excerpt;
    this.what = what;
  }

  static override isInstance(error: unknown): error is SampleTooLongError {
    return GraftError.hasMarker(error, marker);
  }
}

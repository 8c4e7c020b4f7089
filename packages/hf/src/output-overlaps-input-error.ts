import { GraftError } from "@graft/errors";

const marker = "graft.error.OutputOverlapsInputError";
const symbol = Symbol.for(marker);

/** The output directory is one of the inputs, or contains one: writing it would replace what is read. */
export class OutputOverlapsInputError extends GraftError {
  private readonly [symbol] = true;
  /** The output directory. */
  readonly path: string;
  /** The input it would replace. */
  readonly input: string;

  constructor({ path, input }: { path: string; input: string }) {
    const relation = path === input ? "is the input" : "contains the input";
    super({
      name: "OutputOverlapsInputError",
      message: `the output ${path} ${relation} ${input}; writing it would replace what is being read. Choose an output directory outside every input (overwrite never applies to an input).`,
    });
    this.path = path;
    this.input = input;
  }

  static override isInstance(error: unknown): error is OutputOverlapsInputError {
    return GraftError.hasMarker(error, marker);
  }
}

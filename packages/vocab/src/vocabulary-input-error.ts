import { GraftError } from "@graft/errors";

const marker = "graft.error.VocabularyInputError";
const symbol = Symbol.for(marker);

export type VocabularyInputProblem = "empty-corpus" | "not-text" | "wrong-script" | "invalid-merge" | "not-an-extension" | "invalid-option";

/** Input that vocabulary extension or initialisation cannot use; `problem` says which kind. */
export class VocabularyInputError extends GraftError {
  private readonly [symbol] = true;
  readonly path?: string;
  readonly problem: VocabularyInputProblem;

  constructor({ path, problem, message }: { path?: string; problem: VocabularyInputProblem; message: string }) {
    super({ name: "VocabularyInputError", message: path ? `${path}: ${message}` : message });
    this.path = path;
    this.problem = problem;
  }

  static override isInstance(error: unknown): error is VocabularyInputError {
    return GraftError.hasMarker(error, marker);
  }
}

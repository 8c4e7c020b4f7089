import { GraftError } from "@graft/errors";

const marker = "graft.error.SingularSystemError";
const symbol = Symbol.for(marker);

/** The normal equations of a propagation map are not positive definite (no unique least-squares map). */
export class SingularSystemError extends GraftError {
  private readonly [symbol] = true;
  /** The module, e.g. `model.embed_tokens.weight`. */
  readonly module: string;
  /** The ridge λ of the last attempt. */
  readonly ridge: number;
  /** Row of the Cholesky factor where the pivot was not positive. */
  readonly pivotIndex: number;

  constructor({ module, ridge, pivotIndex, message }: { module: string; ridge: number; pivotIndex: number; message: string }) {
    super({ name: "SingularSystemError", message });
    this.module = module;
    this.ridge = ridge;
    this.pivotIndex = pivotIndex;
  }

  static override isInstance(error: unknown): error is SingularSystemError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "@graft/errors";

const marker = "graft.error.StageGraphError";
const symbol = Symbol.for(marker);

/** The stage list itself is wrong (a duplicate name, a dependency on a later stage): a bug in the pipeline's definition. */
export class StageGraphError extends GraftError {
  private readonly [symbol] = true;
  readonly stage: string;

  constructor({ stage, message }: { stage: string; message: string }) {
    super({ name: "StageGraphError", message: `stage "${stage}": ${message}` });
    this.stage = stage;
  }

  static override isInstance(error: unknown): error is StageGraphError {
    return GraftError.hasMarker(error, marker);
  }
}

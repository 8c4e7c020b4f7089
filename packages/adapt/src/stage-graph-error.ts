import { GraftError } from "@graft/hf";

/** The stage list itself is wrong (a duplicate name, a dependency on a later stage): a bug in the pipeline's definition. */
export class StageGraphError extends GraftError {
  readonly stage: string;

  constructor({ stage, message }: { stage: string; message: string }) {
    super({ name: "StageGraphError", message: `stage "${stage}": ${message}` });
    this.stage = stage;
  }
}

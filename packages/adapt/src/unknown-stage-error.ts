import { GraftError } from "@graft/errors";

const marker = "graft.error.UnknownStageError";
const symbol = Symbol.for(marker);

/** `--from` / `--until` names a stage the pipeline does not have. */
export class UnknownStageError extends GraftError {
  private readonly [symbol] = true;
  readonly stage: string;
  readonly stages: string[];

  constructor({ option, stage, stages }: { option: string; stage: string; stages: string[] }) {
    super({ name: "UnknownStageError", message: `--${option} ${stage}: no such stage; the stages of this config are ${stages.join(", ")}` });
    this.stage = stage;
    this.stages = stages;
  }

  static override isInstance(error: unknown): error is UnknownStageError {
    return GraftError.hasMarker(error, marker);
  }
}

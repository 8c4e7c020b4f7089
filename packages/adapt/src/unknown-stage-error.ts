import { GraftError } from "@graft/hf";

/** `--from` / `--until` names a stage the pipeline does not have. */
export class UnknownStageError extends GraftError {
  readonly stage: string;
  readonly stages: string[];

  constructor({ option, stage, stages }: { option: string; stage: string; stages: string[] }) {
    super({ name: "UnknownStageError", message: `--${option} ${stage}: no such stage; the stages of this config are ${stages.join(", ")}` });
    this.stage = stage;
    this.stages = stages;
  }
}

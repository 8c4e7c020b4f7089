// Public surface of @graft/train-bridge: every export is named here.

export { formatProgress } from "./format-progress.js";
export type { Launcher, LocalLauncher, SlurmLauncher, TorchrunLauncher } from "./launcher.js";
export { type RunTrainingOptions, runTraining, type TrainingResult, type TrainingRun } from "./run-training.js";
export { type SlurmOptions, slurmBatchScript } from "./slurm-batch-script.js";
export { SlurmJobError } from "./slurm-job-error.js";
export {
  type CheckpointSavedEvent,
  type EvalEndEvent,
  parseTrainEvent,
  type StepEndEvent,
  type TrainEndEvent,
  type TrainErrorEvent,
  type TrainEvent,
  type TrainResumeEvent,
  type TrainStartEvent,
} from "./train-event.js";
export { TRAIN_JOB_FIELDS, type TrainJob, type TrainJobField, type TrainMode, trainJobToJson, validateTrainJob } from "./train-job.js";
export { TrainJobError } from "./train-job-error.js";
export { TrainerProcessError, type TrainerProcessErrorContext } from "./trainer-process-error.js";
export { TRAINER_PYTHON_PATH } from "./trainer-python-path.js";
export { TrainingCancelledError } from "./training-cancelled-error.js";

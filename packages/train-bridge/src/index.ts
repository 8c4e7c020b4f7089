// Public surface of @graft/train-bridge: every export is named here.
export { runTraining, type RunTrainingOptions, type TrainingResult, type TrainingRun } from "./run-training.js";
export { TRAINER_PYTHON_PATH } from "./trainer-python-path.js";
export { validateTrainJob, trainJobToJson, TRAIN_JOB_FIELDS, type TrainJob, type TrainJobField, type TrainMode } from "./train-job.js";
export {
  parseTrainEvent,
  type TrainEvent,
  type TrainStartEvent,
  type TrainResumeEvent,
  type StepEndEvent,
  type EvalEndEvent,
  type CheckpointSavedEvent,
  type TrainEndEvent,
  type TrainErrorEvent,
} from "./train-event.js";
export type { Launcher, LocalLauncher, TorchrunLauncher, SlurmLauncher } from "./launcher.js";
export { slurmBatchScript, type SlurmOptions } from "./slurm-batch-script.js";
export { formatProgress } from "./format-progress.js";
export { TrainJobError } from "./train-job-error.js";
export { TrainerProcessError, type TrainerProcessErrorContext } from "./trainer-process-error.js";
export { TrainingCancelledError } from "./training-cancelled-error.js";
export { SlurmJobError } from "./slurm-job-error.js";

// Public surface of @graft/adapt: every export is named here.
export { type AdaptEvent, type AdaptOptions, type AdaptResult, adapt } from "./adapt.js";
export {
  type AdaptConfig,
  checkAdaptPaths,
  type InscpTarget,
  type Launcher as AdaptLauncher,
  loadAdaptConfig,
  type ParseAdaptConfigOptions,
  parseAdaptConfig,
  type ReplaySettings,
  type TrainSettings,
} from "./adapt-config.js";
export { AdaptConfigError } from "./adapt-config-error.js";
export { adaptStages, INSTRUCT_EMBEDDINGS_STAGE, REPORT_FILE, REPORT_STAGE } from "./adapt-stages.js";
export { PROFILE_KEYS } from "./apply-profile.js";
export { CORPUS_FILE, TRAINING_FILE } from "./corpus-stage.js";
export { EXAMPLE_CONFIG } from "./example-config.js";
export { EXAMPLE_INSTRUCT_ONLY_CONFIG } from "./example-instruct-only-config.js";
export { ForeignOutputError } from "./foreign-output-error.js";
export { createProgressDisplay, formatPlan, formatStageEvent } from "./format-stage-event.js";
export { type PlanOptions, planStages, type StagePlan, type StageReason } from "./plan-stages.js";
export { RunLockedError } from "./run-locked-error.js";
export type { Stage, StageContext } from "./stage.js";
export { StageFailedError } from "./stage-failed-error.js";
export { StageGraphError } from "./stage-graph-error.js";
export { readStageMarker, STAGE_MARKER, type StageMarker } from "./stage-marker.js";
export { type RunStagesOptions, runStages, type StageRunnerEvent } from "./stage-runner.js";
export { UnknownStageError } from "./unknown-stage-error.js";

// Public surface of @graft/adapt: every export is named here.
export { adapt, type AdaptEvent, type AdaptOptions, type AdaptResult } from "./adapt.js";
export { parseAdaptConfig, loadAdaptConfig, checkAdaptPaths, type AdaptConfig, type TrainSettings, type Launcher as AdaptLauncher } from "./adapt-config.js";
export { EXAMPLE_CONFIG } from "./example-config.js";
export { adaptStages, REPORT_STAGE, REPORT_FILE } from "./adapt-stages.js";
export { planStages, type PlanOptions, type StagePlan, type StageReason } from "./plan-stages.js";
export { runStages, type RunStagesOptions, type StageRunnerEvent } from "./stage-runner.js";
export { STAGE_MARKER, readStageMarker, type StageMarker } from "./stage-marker.js";
export type { Stage, StageContext } from "./stage.js";
export { formatStageEvent, createProgressDisplay, formatPlan } from "./format-stage-event.js";
export { AdaptConfigError } from "./adapt-config-error.js";
export { RunLockedError } from "./run-locked-error.js";
export { StageFailedError } from "./stage-failed-error.js";
export { StageGraphError } from "./stage-graph-error.js";
export { UnknownStageError } from "./unknown-stage-error.js";

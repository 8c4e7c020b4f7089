// Public surface of @graft/cli: the command framework, for tools that embed graft's commands.
export type { CommandContext, CommandDefinition, CommandOption, ParsedArguments } from "./command.js";
export { findCommand, formatCommandHelp, formatOverview, runCli } from "./run-cli.js";
export * as commands from "./commands/index.js";
export { adapt } from "./commands/adapt.js";
export { parseAdaptConfig, loadAdaptConfig, EXAMPLE_CONFIG, AdaptConfigError, type AdaptConfig, type TrainSettings } from "./adapt/adapt-config.js";
export { adaptStages, REPORT_STAGE } from "./adapt/adapt-stages.js";
export { planStages, runStages, stageKeys, STAGE_MARKER, type Stage, type StagePlan, type StageRunnerEvent } from "./adapt/stage-runner.js";

// Public surface of @graft/cli: the command framework, for tools that embed graft's commands.
// The pipeline itself is a library: @graft/adapt.
export type { CommandContext, CommandDefinition, CommandOption, ParsedArguments } from "./command.js";
export * as commands from "./commands/index.js";
export { FileSystemError } from "./file-system-error.js";
export { type NumberRule, OptionReader } from "./option-reader.js";
export { findCommand, formatCommandHelp, formatOverview, runCli } from "./run-cli.js";
export { UsageError } from "./usage-error.js";

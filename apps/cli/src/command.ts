import type { ParseArgsConfig } from "node:util";

/** One option of a command, as `node:util` parseArgs takes it, plus its help text. */
export interface CommandOption {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[];
  description: string;
  /** Shown in help as `--name <placeholder>`. */
  placeholder?: string;
}

export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** `--json`: machine-readable output (one JSON object per line) instead of text. */
  json: boolean;
}

export interface ParsedArguments {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * A `graft` subcommand. Each lives in its own file under `commands/`, is exported from
 * `commands/index.ts`, and is found by its (possibly multi-word) name: `vocab extend`.
 */
export interface CommandDefinition {
  name: string;
  summary: string;
  /** Usage line after `graft <name>`, e.g. `--base DIR --corpus PATH... --out DIR`. */
  usage: string;
  /** Longer description printed by `--help`. */
  description?: string;
  options: Record<string, CommandOption>;
  /** Accept positional arguments (described in `usage`). */
  allowPositionals?: boolean;
  /** At least one runnable example for `--help`. */
  examples: string[];
  run(arguments_: ParsedArguments, context: CommandContext): Promise<number>;
}

export type ParseOptions = NonNullable<ParseArgsConfig["options"]>;

import { parseArgs } from "node:util";
import { GraftError } from "@graft/errors";
import type { CommandContext, CommandDefinition, ParseOptions } from "./command.js";
import { FileSystemError } from "./file-system-error.js";
import { UsageError } from "./usage-error.js";

const GLOBAL_OPTIONS: ParseOptions = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
};

export function formatCommandHelp(command: CommandDefinition): string {
  const lines = [`graft ${command.name} — ${command.summary}`, "", `Usage: graft ${command.name} ${command.usage}`.trimEnd()];
  if (command.description) lines.push("", command.description);
  const entries = Object.entries(command.options);
  lines.push("", "Options:");
  for (const [name, option] of entries) {
    const flag = `${option.short ? `-${option.short}, ` : ""}--${name}${option.type === "string" ? ` <${option.placeholder ?? "value"}>` : ""}`;
    const suffix = option.default !== undefined ? ` (default: ${JSON.stringify(option.default)})` : "";
    lines.push(`  ${flag.padEnd(34)} ${option.description}${option.multiple ? " (repeatable)" : ""}${suffix}`);
  }
  lines.push(`  ${"--json".padEnd(34)} machine-readable output, one JSON object per line`);
  lines.push(`  ${"-h, --help".padEnd(34)} show this help`);
  lines.push("", "Examples:", ...command.examples.map((example) => `  ${example}`));
  return `${lines.join("\n")}\n`;
}

export function formatOverview(commands: readonly CommandDefinition[]): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  const lines = [
    "graft — adapt an open instruct LLM to a new language (InsCP + LEP).",
    "",
    "Usage: graft <command> [options]    graft <command> --help",
    "",
    "Commands:",
    ...[...commands].sort((a, b) => a.name.localeCompare(b.name)).map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Finds the command whose (multi-word) name is the longest prefix of argv. */
export function findCommand(commands: readonly CommandDefinition[], argv: readonly string[]): { command?: CommandDefinition; rest: string[] } {
  let best: CommandDefinition | undefined;
  let bestWords = 0;
  for (const command of commands) {
    const words = command.name.split(" ");
    if (words.length > bestWords && words.every((word, index) => argv[index] === word)) {
      best = command;
      bestWords = words.length;
    }
  }
  return { command: best, rest: argv.slice(bestWords) };
}

/**
 * `--ridge -1` as `--ridge=-1`: parseArgs reads a value that starts with "-" as an option and
 * refuses it as ambiguous, so a negative number after a string option is attached to it first,
 * and the command's own rule then judges the value.
 */
function attachNegativeValues(argv: readonly string[], command: CommandDefinition): string[] {
  const args: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    const next = argv[index + 1];
    const option = argument.startsWith("--") ? command.options[argument.slice(2)] : undefined;
    if (option?.type === "string" && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      args.push(`${argument}=${next}`);
      index += 1;
    } else args.push(argument);
  }
  return args;
}

/** The `--json` line for a failure: `{type: "error", name, message, exitCode}`. */
function errorLine(error: GraftError, exitCode: number): string {
  return JSON.stringify({ type: "error", name: error.name, message: error.message, exitCode });
}

/** Runs `graft` with argv (without node and script); returns the exit code. */
export async function runCli(commands: readonly CommandDefinition[], argv: readonly string[], io: Pick<CommandContext, "stdout" | "stderr">): Promise<number> {
  const { command, rest } = findCommand(commands, argv);
  if (!command) {
    const wantsHelp = argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help";
    (wantsHelp ? io.stdout : io.stderr).write(formatOverview(commands));
    if (!wantsHelp) io.stderr.write(`\ngraft: unknown command "${argv.join(" ")}". Run \`graft --help\` for the list.\n`);
    return wantsHelp ? 0 : 2;
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: attachNegativeValues(rest, command),
      options: { ...GLOBAL_OPTIONS, ...(command.options as ParseOptions) },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    // An unknown option, a missing value: a usage error like the commands' own, so --json still gets its one error line.
    const usage = new UsageError({ command: command.name, message: (error as Error).message.replace(/\.$/, "") });
    if (rest.includes("--json")) io.stdout.write(`${errorLine(usage, 2)}\n`);
    else io.stderr.write(`graft ${command.name}: ${usage.name}: ${usage.message}\n\n${formatCommandHelp(command)}`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout.write(formatCommandHelp(command));
    return 0;
  }
  const context: CommandContext = { ...io, json: Boolean(parsed.values.json) };
  try {
    return await command.run({ values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals }, context);
  } catch (thrown) {
    // A failed system call (a missing file, no permission, a full disk) is the user's to fix, not a bug: no stack.
    const error = FileSystemError.isSystemError(thrown) ? new FileSystemError(thrown) : thrown;
    if (GraftError.isInstance(error)) {
      const exitCode = UsageError.isInstance(error) ? 2 : 1;
      if (context.json) io.stdout.write(`${errorLine(error, exitCode)}\n`);
      else io.stderr.write(`graft ${command.name}: ${error.name}: ${error.message}\n`);
      return exitCode;
    }
    throw error;
  }
}

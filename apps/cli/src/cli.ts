#!/usr/bin/env node
import type { CommandDefinition } from "./command.js";
import * as registry from "./commands/index.js";
import { runCli } from "./run-cli.js";

const commands: CommandDefinition[] = Object.values(registry);
runCli(commands, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`graft: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);

import { describe, expect, it } from "vitest";
import { GraftError } from "@graft/errors";
import type { CommandDefinition } from "./command.js";
import * as registry from "./commands/index.js";
import { findCommand, formatCommandHelp, runCli } from "./run-cli.js";
import { capture } from "./testing/run-graft.js";


const echo: CommandDefinition = {
  name: "vocab extend",
  summary: "test command",
  usage: "--base DIR",
  options: { base: { type: "string", description: "base dir" } },
  examples: ["graft vocab extend --base x"],
  async run({ values }, context) {
    if (values.base === "bad") throw new GraftError({ name: "BadBaseError", message: "base is bad; pass a good one" });
    context.stdout.write(`base=${values.base}\n`);
    return 0;
  },
};
const plain: CommandDefinition = { ...echo, name: "vocab", summary: "shorter name", async run() { return 5; } };

describe("runCli", () => {
  it("picks the longest matching multi-word command", () => {
    const cases = [
      { name: "two words", argv: ["vocab", "extend", "--base", "x"], expected: "vocab extend", rest: ["--base", "x"] },
      { name: "one word", argv: ["vocab", "--base", "x"], expected: "vocab", rest: ["--base", "x"] },
      { name: "none", argv: ["nothing"], expected: undefined, rest: ["nothing"] },
    ];
    for (const testCase of cases) {
      const found = findCommand([plain, echo], testCase.argv);
      expect(found.command?.name, testCase.name).toBe(testCase.expected);
      if (testCase.expected) expect(found.rest, testCase.name).toEqual(testCase.rest);
    }
  });

  it("runs a command, prints its help, rejects unknown flags with exit 2, and prints typed errors", async () => {
    const cases = [
      { name: "run", argv: ["vocab", "extend", "--base", "x"], code: 0, out: "base=x", err: "" },
      { name: "help", argv: ["vocab", "extend", "--help"], code: 0, out: "Examples:", err: "" },
      { name: "unknown flag", argv: ["vocab", "extend", "--nope"], code: 2, out: "", err: "Unknown option" },
      { name: "typed error", argv: ["vocab", "extend", "--base", "bad"], code: 1, out: "", err: "BadBaseError: base is bad" },
      { name: "unknown command", argv: ["zzz"], code: 2, out: "", err: 'unknown command "zzz"' },
      { name: "overview", argv: ["--help"], code: 0, out: "Commands:", err: "" },
    ];
    for (const testCase of cases) {
      const { io, output } = capture();
      const code = await runCli([plain, echo], testCase.argv, io);
      expect(code, testCase.name).toBe(testCase.code);
      if (testCase.out) expect(output().out, testCase.name).toContain(testCase.out);
      if (testCase.err) expect(output().err, testCase.name).toContain(testCase.err);
    }
  });

  it("every registered command has a summary, usage, described options and an example", () => {
    const commands = Object.values(registry) as CommandDefinition[];
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect(command.summary.length, command.name).toBeGreaterThan(10);
      expect(command.examples.length, command.name).toBeGreaterThan(0);
      for (const example of command.examples) expect(example, command.name).toContain(`graft ${command.name}`);
      for (const [name, option] of Object.entries(command.options)) expect(option.description.length, `${command.name} --${name}`).toBeGreaterThan(5);
      expect(formatCommandHelp(command)).toContain(`Usage: graft ${command.name}`);
    }
  });
});

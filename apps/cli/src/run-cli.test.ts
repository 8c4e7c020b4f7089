import { GraftError } from "@graft/errors";
import { describe, expect, it } from "vitest";
import type { CommandDefinition } from "./command.js";
import * as registry from "./commands/index.js";
import { OptionReader } from "./option-reader.js";
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
const plain: CommandDefinition = {
  ...echo,
  name: "vocab",
  summary: "shorter name",
  async run() {
    return 5;
  },
};
const ridged: CommandDefinition = {
  name: "lep",
  summary: "test command with a rule on a number",
  usage: "--ridge λ",
  options: { ridge: { type: "string", description: "ridge, a number >= 0" } },
  examples: ["graft lep --ridge 0"],
  async run({ values }, context) {
    const ridge = new OptionReader("lep", values).number("ridge", { min: 0 });
    context.stdout.write(`ridge=${ridge}\n`);
    return 0;
  },
};

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
      { name: "unknown flag", argv: ["vocab", "extend", "--nope"], code: 2, out: "", err: "graft vocab extend: UsageError: Unknown option '--nope'" },
      { name: "typed error", argv: ["vocab", "extend", "--base", "bad"], code: 1, out: "", err: "graft vocab extend: BadBaseError: base is bad" },
      { name: "a number", argv: ["lep", "--ridge", "1e-4"], code: 0, out: "ridge=0.0001", err: "" },
      {
        name: "a negative number after a space is the option's value",
        argv: ["lep", "--ridge", "-1"],
        code: 2,
        out: "",
        err: 'graft lep: UsageError: --ridge must be a number >= 0, got "-1"; see graft lep --help',
      },
      {
        name: "a negative number after =",
        argv: ["lep", "--ridge=-1"],
        code: 2,
        out: "",
        err: 'graft lep: UsageError: --ridge must be a number >= 0, got "-1"; see graft lep --help',
      },
      { name: "unknown command", argv: ["zzz"], code: 2, out: "", err: 'unknown command "zzz"' },
      { name: "overview", argv: ["--help"], code: 0, out: "Commands:", err: "" },
    ];
    for (const testCase of cases) {
      const { io, output } = capture();
      const code = await runCli([plain, echo, ridged], testCase.argv, io);
      expect(code, testCase.name).toBe(testCase.code);
      if (testCase.out) expect(output().out, testCase.name).toContain(testCase.out);
      if (testCase.err) expect(output().err, testCase.name).toContain(testCase.err);
    }
  });

  it('--json: a failure is one line {type: "error", name, message, exitCode} on stdout, nothing on stderr', async () => {
    const cases = [
      {
        name: "usage error",
        argv: ["lep", "--ridge", "-1", "--json"],
        line: { type: "error", name: "UsageError", message: '--ridge must be a number >= 0, got "-1"; see graft lep --help', exitCode: 2 },
      },
      { name: "unknown flag", argv: ["vocab", "extend", "--nope", "--json"], line: { type: "error", name: "UsageError", exitCode: 2 } },
      {
        name: "typed error",
        argv: ["vocab", "extend", "--base", "bad", "--json"],
        line: { type: "error", name: "BadBaseError", message: "base is bad; pass a good one", exitCode: 1 },
      },
    ];
    for (const testCase of cases) {
      const { io, output } = capture();
      const code = await runCli([plain, echo, ridged], testCase.argv, io);
      expect(code, testCase.name).toBe(testCase.line.exitCode);
      expect(output().err, testCase.name).toBe("");
      const lines = output().out.trim().split("\n");
      expect(lines, testCase.name).toHaveLength(1);
      expect(JSON.parse(lines[0] as string), testCase.name).toMatchObject(testCase.line);
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

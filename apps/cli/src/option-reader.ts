import type { ParsedArguments } from "./command.js";
import { UsageError } from "./usage-error.js";

export interface NumberRule {
  /** Smallest accepted value (inclusive). */
  min?: number;
  /** Largest accepted value (inclusive). */
  max?: number;
  /** Values must be greater than this (exclusive), e.g. 0 for a learning rate. */
  above?: number;
}

/**
 * Typed access to a command's parsed options. Every failure is a {@link UsageError} that names the
 * flag, the rule, the value given and the command's help, so no command writes its own checks.
 */
export class OptionReader {
  readonly #values: ParsedArguments["values"];
  readonly #command: string;

  constructor(command: string, values: ParsedArguments["values"]) {
    this.#command = command;
    this.#values = values;
  }

  /** A UsageError for this command (for rules that involve several options). */
  error(message: string): UsageError {
    return new UsageError({ command: this.#command, message });
  }

  /** Throws one error listing every missing option (`INPUT` style names are kept as given); an empty list counts as missing. */
  require(...names: string[]): void {
    const missing = names.filter((name) => {
      const value = this.#values[name];
      return value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
    });
    if (missing.length > 0) throw this.error(`missing ${missing.map(flagName).join(", ")}`);
  }

  string(name: string): string | undefined {
    const value = this.#values[name];
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value.at(-1);
    return String(value);
  }

  requiredString(name: string): string {
    this.require(name);
    return this.string(name) as string;
  }

  /** Every value of a repeatable option (`--corpus a --corpus b`); empty when absent. */
  strings(name: string): string[] {
    const value = this.#values[name];
    if (value === undefined) return [];
    return Array.isArray(value) ? value.map(String) : [String(value)];
  }

  /** A comma-separated list (`--lang ru,uk`), trimmed, empty items dropped. */
  list(name: string): string[] | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    return text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  }

  flag(name: string): boolean {
    return this.#values[name] === true;
  }

  number(name: string, rule: NumberRule = {}): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = text.trim() === "" ? Number.NaN : Number(text);
    if (!Number.isFinite(value) || !satisfies(value, rule)) throw this.error(`--${name} must be a number${describeRule(rule)}, got ${JSON.stringify(text)}`);
    return value;
  }

  integer(name: string, rule: NumberRule = {}): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || !satisfies(value, rule))
      throw this.error(`--${name} must be a whole number${describeRule(rule)}, got ${JSON.stringify(text)}`);
    return value;
  }

  /** One of `choices`; the error lists them. */
  choice<const Choice extends string>(name: string, choices: readonly Choice[]): Choice | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (!(choices as readonly string[]).includes(text)) throw this.error(`--${name} must be one of ${choices.join(", ")}, got ${JSON.stringify(text)}`);
    return text as Choice;
  }
}

function flagName(name: string): string {
  return /^[A-Z_]+$/.test(name) ? name : `--${name}`;
}

function satisfies(value: number, rule: NumberRule): boolean {
  return (rule.min === undefined || value >= rule.min) && (rule.max === undefined || value <= rule.max) && (rule.above === undefined || value > rule.above);
}

function describeRule(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  return parts.length > 0 ? ` ${parts.join(" and ")}` : "";
}

import { AdaptConfigError } from "./adapt-config-error.js";

/** A field of a config mapping: its type and checks. `check` returns a problem or undefined. */
export type FieldSchema =
  | { type: "string"; required?: boolean; values?: readonly string[] }
  | { type: "strings"; required?: boolean; values?: readonly string[]; nonEmpty?: boolean }
  | { type: "integer"; required?: boolean; min?: number }
  | { type: "number"; required?: boolean; min?: number; exclusiveMin?: number; max?: number }
  | { type: "boolean"; required?: boolean }
  | { type: "mapping"; required?: boolean; fields: Record<string, FieldSchema> };

/** The candidate nearest to a misspelt `name` (edit distance, case-blind), when one is near enough. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i += 1) {
      let previous = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const saved = row[j] as number;
        row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, previous + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1));
        previous = saved;
      }
    }
    return row[b.length] as number;
  };
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const candidateDistance = distance(name, candidate);
    if (candidateDistance < bestDistance) [best, bestDistance] = [candidate, candidateDistance];
  }
  return best;
}

const describeValue = (value: unknown) =>
  typeof value === "string"
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? "a list"
      : value === null
        ? "null"
        : typeof value === "object"
          ? "a mapping"
          : String(value);

/**
 * Checks `value` against a mapping schema: unknown keys (with the closest known one), missing
 * required fields, wrong types, out-of-range numbers, values outside an enumeration. Throws
 * `AdaptConfigError` naming the dotted field path.
 */
export function validateMapping(value: unknown, fields: Record<string, FieldSchema>, file: string, prefix = ""): void {
  const where = prefix === "" ? "(file)" : prefix.slice(0, -1);
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new AdaptConfigError({ path: file, field: where, message: `must be a mapping, not ${describeValue(value)}` });
  const known = Object.keys(fields);
  for (const name of Object.keys(value)) {
    if (!(name in fields)) {
      const suggestion = closestName(name, known);
      throw new AdaptConfigError({
        path: file,
        field: `${prefix}${name}`,
        message: `unknown option${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; the options here are ${known.join(", ")}`,
      });
    }
  }
  for (const [name, schema] of Object.entries(fields)) {
    const field = `${prefix}${name}`;
    const entry = (value as Record<string, unknown>)[name];
    if (entry === undefined || entry === null) {
      if (schema.required) throw new AdaptConfigError({ path: file, field, message: "is required" });
      continue;
    }
    const fail = (message: string): never => {
      throw new AdaptConfigError({ path: file, field, message: `${message}, not ${describeValue(entry)}` });
    };
    switch (schema.type) {
      case "string":
        if (typeof entry !== "string" || entry === "") fail("must be a non-empty string");
        if (schema.values && !schema.values.includes(entry as string)) fail(`must be one of ${schema.values.join(", ")}`);
        break;
      case "strings":
        if (!Array.isArray(entry) || !entry.every((item) => typeof item === "string" && item !== "")) fail("must be a list of strings");
        if (schema.nonEmpty && (entry as string[]).length === 0) fail("must list at least one entry");
        for (const item of entry as string[]) if (schema.values && !schema.values.includes(item)) fail(`may only list ${schema.values.join(", ")}`);
        break;
      case "integer":
        if (!Number.isInteger(entry)) fail("must be an integer");
        if (schema.min !== undefined && (entry as number) < schema.min) fail(`must be at least ${schema.min}`);
        break;
      case "number":
        if (typeof entry !== "number" || !Number.isFinite(entry)) fail("must be a number");
        if (schema.min !== undefined && (entry as number) < schema.min) fail(`must be at least ${schema.min}`);
        if (schema.exclusiveMin !== undefined && (entry as number) <= schema.exclusiveMin) fail(`must be greater than ${schema.exclusiveMin}`);
        if (schema.max !== undefined && (entry as number) > schema.max) fail(`must be at most ${schema.max}`);
        break;
      case "boolean":
        if (typeof entry !== "boolean") fail("must be true or false");
        break;
      case "mapping":
        validateMapping(entry, schema.fields, file, `${field}.`);
        break;
    }
  }
}

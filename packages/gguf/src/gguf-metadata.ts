import { GgufMetadataError } from "./gguf-metadata-error.js";
import type { GgufValue } from "./gguf-reader.js";

/** Typed look-ups of a GGUF's metadata that fail with the key and what was expected. */
export class GgufMetadata {
  constructor(
    private readonly path: string,
    private readonly values: Map<string, GgufValue>,
  ) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  private fail(key: string, expected: string): never {
    const value = this.values.get(key);
    const found = value === undefined ? "missing" : `${Array.isArray(value) ? "an array" : typeof value} where ${expected} was expected`;
    throw new GgufMetadataError({ path: this.path, key, message: `${found}; the file was not written by a llama.cpp converter graft knows, or is damaged` });
  }

  integer(key: string): number;
  integer(key: string, fallback: number | undefined): number | undefined;
  integer(key: string, ...fallback: [number | undefined] | []): number | undefined {
    const value = this.values.get(key);
    if (value === undefined && fallback.length > 0) return fallback[0];
    if (typeof value !== "number" || !Number.isInteger(value)) return this.fail(key, "an integer");
    return value;
  }

  number(key: string, fallback?: number): number {
    const value = this.values.get(key);
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "number") return this.fail(key, "a number");
    return value;
  }

  string(key: string): string;
  string(key: string, fallback: string | undefined): string | undefined;
  string(key: string, ...fallback: [string | undefined] | []): string | undefined {
    const value = this.values.get(key);
    if (value === undefined && fallback.length > 0) return fallback[0];
    if (typeof value !== "string") return this.fail(key, "a string");
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.values.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== "boolean") return this.fail(key, "a boolean");
    return value;
  }

  strings(key: string, optional = false): string[] | undefined {
    const value = this.values.get(key);
    if (value === undefined && optional) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) return this.fail(key, "an array of strings");
    return value as string[];
  }

  integers(key: string, optional = false): number[] | undefined {
    const value = this.values.get(key);
    if (value === undefined && optional) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === "number")) return this.fail(key, "an array of integers");
    return value as number[];
  }
}

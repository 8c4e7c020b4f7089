import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "./repository-root.js";

/** The reference interpreter: GRAFT_PYTHON, else the repo's `.venv` made by the bootstrap. */
export function referencePython(): string {
  if (process.env.GRAFT_PYTHON) return process.env.GRAFT_PYTHON;
  const venv = join(repositoryRoot(), ".venv", "bin", "python");
  if (existsSync(venv)) return venv;
  throw new Error("No Python for the reference tests: run `npm run bootstrap` (creates .venv) or set GRAFT_PYTHON.");
}

export interface RunPythonOptions {
  /** argv after the script (`sys.argv[1:]`). */
  args?: string[];
  /** Written to the script's stdin. */
  input?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** Runs a Python script given as source with the reference interpreter; returns its stdout. */
export function runPython(source: string, options: RunPythonOptions = {}): string {
  const result = spawnSync(referencePython(), ["-c", source, ...(options.args ?? [])], {
    input: options.input,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    timeout: options.timeoutMs ?? 300_000,
    env: { ...process.env, PYTHONUNBUFFERED: "1", TOKENIZERS_PARALLELISM: "false", HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", ...options.env },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`Python reference script failed (exit ${result.status}):\n${result.stderr.slice(-4000)}`);
  }
  return result.stdout;
}

/** Like runPython, parsing the last non-empty stdout line as JSON. */
export function runPythonJson<T = unknown>(source: string, options: RunPythonOptions = {}): T {
  const lines = runPython(source, options).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as T;
}

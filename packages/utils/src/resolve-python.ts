import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface ResolvedPython {
  /** Interpreter path or command name. */
  path: string;
  /** Where it came from: the GRAFT_PYTHON variable, a `.venv` above the working directory or
   * above graft's own install (the repo's bootstrap venv), or `python3` on PATH. */
  source: "GRAFT_PYTHON" | "venv" | "PATH";
}

function findVenvAbove(start: string): string | undefined {
  let directory = resolve(start);
  for (;;) {
    const candidate = join(directory, ".venv", "bin", "python");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/**
 * The Python interpreter graft runs its trainer and reference checks with. `GRAFT_PYTHON`
 * points at a user's own environment (their CUDA install); otherwise the nearest `.venv`.
 */
export function resolvePython(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedPython {
  const env = options.env ?? process.env;
  if (env.GRAFT_PYTHON) return { path: env.GRAFT_PYTHON, source: "GRAFT_PYTHON" };
  const venv = findVenvAbove(options.cwd ?? process.cwd()) ?? findVenvAbove(dirname(fileURLToPath(import.meta.url)));
  if (venv) return { path: venv, source: "venv" };
  return { path: "python3", source: "PATH" };
}

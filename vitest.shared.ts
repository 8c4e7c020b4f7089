// Options every package's vitest project shares. Tests import sibling packages from their
// sources (no build needed between edits); child processes that need built code use `tsx`.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));

function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const top of ["packages", "apps"]) {
    for (const name of readdirSync(join(root, top))) {
      aliases[`@graft/${name}`] = join(root, top, name, "src", "index.ts");
    }
  }
  return aliases;
}

/** Slow parts (Python references, subprocesses) get time; two cores, so two forks. */
export const sharedTestOptions = {
  resolve: { alias: workspaceAliases() },
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: "forks" as const,
  },
};

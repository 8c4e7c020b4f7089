import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The monorepo's root: the nearest ancestor holding `turbo.json`. */
export function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, "turbo.json"))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error("repositoryRoot: no turbo.json above this file");
    directory = parent;
  }
  return directory;
}

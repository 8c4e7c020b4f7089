#!/usr/bin/env node
// The `graft` executable. It exists before the build (npm links a bin only when its file is
// there at install time, and `npm ci` runs before `dist/` is built), and loads the built CLI.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    "graft: the CLI is not built yet (no apps/cli/dist/cli.js). Run `npm run build` (or `npm test` / `npm run demo`, which build first) in the repository root, then try again.\n",
  );
  process.exit(1);
}
await import(cli.href);

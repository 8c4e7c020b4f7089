#!/usr/bin/env node
// `npm run zoo`: bootstrap, then rebuild the tiny model zoo (zoo/build.ts, run with tsx).
// Arguments go to zoo/build.ts: --force STEP[,STEP] redoes steps (and those using their outputs),
// --until STEP stops after one, --work DIR moves the scratch (default zoo/.work).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bootstrap = spawnSync(process.execPath, [join(root, "scripts", "bootstrap.mjs")], { cwd: root, stdio: "inherit" });
if (bootstrap.status !== 0) process.exit(bootstrap.status ?? 1);
const zoo = spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "zoo", "build.ts"), ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, GRAFT_PYTHON: process.env.GRAFT_PYTHON ?? join(root, ".venv", "bin", "python") },
});
process.exit(zoo.status ?? 1);

#!/usr/bin/env node
// `npm run demo`: bootstrap, then the embedded default run (apps/demo).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bootstrap = spawnSync(process.execPath, [join(root, "scripts", "bootstrap.mjs")], { cwd: root, stdio: "inherit" });
if (bootstrap.status !== 0) process.exit(bootstrap.status ?? 1);

const entry = join(root, "apps", "demo", "dist", "index.js");
if (!existsSync(entry)) {
  process.stderr.write(`demo: ${entry} is missing; run \`npm run build\` and try again.\n`);
  process.exit(1);
}
const demo = spawnSync(process.execPath, [entry, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(demo.status ?? 1);

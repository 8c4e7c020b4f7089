#!/usr/bin/env node
// `npm run bench [name]`: bootstrap, then every benchmark under bench/ (or the named one).
// Each benchmark prints a table and a ratio against a peer measured in the same run.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bootstrap = spawnSync(process.execPath, [join(root, "scripts", "bootstrap.mjs")], { cwd: root, stdio: "inherit" });
if (bootstrap.status !== 0) process.exit(bootstrap.status ?? 1);

const only = process.argv[2];
const benches = readdirSync(join(root, "bench"))
  .filter((name) => /\.bench\.(mjs|ts)$/.test(name))
  .filter((name) => !only || name.startsWith(only));
let failed = 0;
for (const name of benches) {
  process.stdout.write(`\n## ${name}\n`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join(root, "bench", name)], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, GRAFT_PYTHON: process.env.GRAFT_PYTHON ?? join(root, ".venv", "bin", "python") },
  });
  if (result.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);

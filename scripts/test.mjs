#!/usr/bin/env node
// `npm test`: bootstrap, lint, then every package's vitest suite (one root run over all projects)
// and the pytest suites (packages/*/python/tests), then one line of totals.
// Extra arguments go to vitest (e.g. `npm test -- packages/vocab`); `--no-python` skips pytest.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const skipPython = argv.includes("--no-python");
const vitestArgs = argv.filter((argument) => argument !== "--no-python");

const bootstrap = spawnSync(process.execPath, [join(root, "scripts", "bootstrap.mjs")], { cwd: root, stdio: "inherit" });
if (bootstrap.status !== 0) process.exit(bootstrap.status ?? 1);

// Lint first: formatting, the linter's rules and the README limits (`npm run lint`); a failure
// counts as one failed suite but the tests still run, so one report shows everything.
const lint = spawnSync("npm", ["run", "--silent", "lint"], { cwd: root, stdio: "inherit" });

const python = process.env.GRAFT_PYTHON ?? join(root, ".venv", "bin", "python");
const reportDirectory = join(root, ".graft-cache", "test");
mkdirSync(reportDirectory, { recursive: true });
const vitestReport = join(reportDirectory, "vitest.json");

const vitest = spawnSync(
  join(root, "node_modules", ".bin", "vitest"),
  ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`, ...vitestArgs],
  { cwd: root, stdio: "inherit", env: { ...process.env, GRAFT_PYTHON: python } },
);

const totals = { passed: 0, failed: 0, skipped: 0 };
if (lint.status === 0) totals.passed += 1;
else totals.failed += 1;
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, "utf8"));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
} else {
  totals.failed += 1;
}
if (vitest.status !== 0 && totals.failed === 0) totals.failed += 1;

const pythonSuites = readdirSync(join(root, "packages"))
  .map((name) => join(root, "packages", name, "python", "tests"))
  .filter((path) => existsSync(path));
let pytestStatus = 0;
if (!skipPython && pythonSuites.length > 0 && vitestArgs.length === 0) {
  const junit = join(reportDirectory, "pytest.xml");
  const pytest = spawnSync(python, ["-m", "pytest", "-q", `--junitxml=${junit}`, ...pythonSuites], {
    cwd: root,
    stdio: "inherit",
  });
  pytestStatus = pytest.status ?? 1;
  if (existsSync(junit)) {
    const xml = readFileSync(junit, "utf8");
    const suite = /<testsuite [^>]*>/.exec(xml)?.[0] ?? "";
    const count = (name) => Number(new RegExp(`${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
    const failed = count("failures") + count("errors");
    const skipped = count("skipped");
    totals.passed += count("tests") - failed - skipped;
    totals.failed += failed;
    totals.skipped += skipped;
  }
  // pytest exits 5 when it collected no test: not a failure of the suite.
  if (pytestStatus === 5) pytestStatus = 0;
  if (pytestStatus !== 0 && !existsSync(junit)) totals.failed += 1;
}

process.stdout.write(`\nAll suites (vitest + pytest):\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(totals.failed > 0 || lint.status !== 0 || vitest.status !== 0 || pytestStatus !== 0 ? 1 : 0);

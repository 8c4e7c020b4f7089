#!/usr/bin/env node
// Idempotent bootstrap for a fresh clone, written with Node built-ins only (it runs before
// `npm ci`). Three steps, each keyed on a hash of its inputs so a second run does nothing:
//   1. npm ci            keyed on package-lock.json           (ONNXRUNTIME_NODE_INSTALL=skip)
//   2. turbo run build   keyed on every package's sources and configs
//   3. Python venv .venv keyed on requirements.txt            (skipped when GRAFT_PYTHON is set)
// Flags: --no-build, --no-python, --quiet. Exit code non-zero with the failing step named.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");
const stampDirectory = join(root, ".graft-cache", "bootstrap");
/** Bootstrap steps of two processes must not interleave (npm test and npm run demo at once). */
const LOCK_STALE_MS = 60 * 60 * 1000;

function log(message) {
  if (!quiet) process.stderr.write(`[bootstrap] ${message}\n`);
}

function sha256(...parts) {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function readStamp(name) {
  const file = join(stampDirectory, `${name}.sha256`);
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

function writeStamp(name, value) {
  mkdirSync(stampDirectory, { recursive: true });
  writeFileSync(join(stampDirectory, `${name}.sha256`), `${value}\n`);
}

function run(step, command, commandArgs, options = {}) {
  log(`${step}: ${command} ${commandArgs.join(" ")}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: quiet ? ["ignore", "ignore", "inherit"] : "inherit", ...options });
  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : `exit code ${result.status}`;
    process.stderr.write(`[bootstrap] step "${step}" failed (${reason}). Fix the error above and run again.\n`);
    process.exit(1);
  }
}

function listFiles(directory, accept) {
  const found = [];
  if (!existsSync(directory)) return found;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name === ".turbo") continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...listFiles(path, accept));
    else if (accept(path)) found.push(path);
  }
  return found;
}

function acquireLock() {
  const lock = join(root, ".graft-cache", "bootstrap.lock");
  mkdirSync(join(root, ".graft-cache"), { recursive: true });
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      const release = () => rmSync(lock, { recursive: true, force: true });
      process.on("exit", release);
      return;
    } catch {
      const age = Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (!(age < LOCK_STALE_MS) || Date.now() > deadline) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
}

function installNodeModules() {
  const key = sha256(readFileSync(join(root, "package-lock.json")));
  if (readStamp("npm") === key && existsSync(join(root, "node_modules", ".package-lock.json"))) return;
  run("npm ci", "npm", ["ci", "--no-audit", "--no-fund"], { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" } });
  writeStamp("npm", key);
}

function buildPackages() {
  const sourceFiles = ["packages", "apps"].flatMap((top) =>
    listFiles(join(root, top), (path) => !/\.test\.ts$/.test(path) && /(\/src\/|package\.json$|tsup\.config\.ts$|tsconfig\.json$)/.test(path)),
  );
  const hash = createHash("sha256");
  for (const file of sourceFiles.sort()) hash.update(relative(root, file)).update(readFileSync(file));
  const key = hash.digest("hex");
  if (readStamp("build") === key) return;
  run("build", join(root, "node_modules", ".bin", "turbo"), ["run", "build", "--output-logs=errors-only"]);
  writeStamp("build", key);
}

function createPythonEnvironment() {
  if (process.env.GRAFT_PYTHON) {
    log(`GRAFT_PYTHON=${process.env.GRAFT_PYTHON}: using it, no venv is created (install requirements.txt into it yourself).`);
    return;
  }
  const requirements = join(root, "requirements.txt");
  const key = sha256(readFileSync(requirements));
  const venv = join(root, ".venv");
  const python = join(venv, "bin", "python");
  if (readStamp("venv") === key && existsSync(python)) return;
  const basePython = process.env.GRAFT_BOOTSTRAP_PYTHON ?? "python3";
  if (!existsSync(python)) run("python venv", basePython, ["-m", "venv", venv]);
  run("pip install", python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements]);
  writeStamp("venv", key);
}

acquireLock();
installNodeModules();
if (!args.has("--no-build")) buildPackages();
if (!args.has("--no-python")) createPythonEnvironment();
log("ready");

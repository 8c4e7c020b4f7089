#!/usr/bin/env node
// Part of `npm run lint`: every package README stays a README (purpose, install, usage, exports,
// errors, limits, one current table), not a log. Dated history belongs in bench/RESULTS.md.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Past this a README has usually become a notebook; split it or move the history out. */
const MAX_README_WORDS = 1500;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readmes = ["packages", "apps"]
  .flatMap((top) => readdirSync(join(root, top)).map((name) => join(root, top, name, "README.md")))
  .concat([join(root, "zoo", "README.md")]);
const problems = [];
for (const path of readmes) {
  if (!existsSync(path)) {
    problems.push(`${relative(root, path)}: missing (every package has a README)`);
    continue;
  }
  const words = readFileSync(path, "utf8").split(/\s+/).filter(Boolean).length;
  if (words > MAX_README_WORDS)
    problems.push(`${relative(root, path)}: ${words} words, over ${MAX_README_WORDS}; move history to bench/RESULTS.md or the changelog`);
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join("\n")}\n`);
  process.exit(1);
}
process.stdout.write(`READMEs: ${readmes.length} checked, each at most ${MAX_README_WORDS} words\n`);

import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "@graft/testing";
import { describe, expect, it } from "vitest";

// `npx graft` resolves node_modules/.bin/graft, which npm makes only if the bin's file exists when
// `npm ci` runs, that is before the build: the bin must be a committed file, not a build output.
describe("the graft executable", () => {
  const root = repositoryRoot();
  const manifest = JSON.parse(readFileSync(join(root, "apps", "cli", "package.json"), "utf8")) as { bin: Record<string, string> };
  const bin = join(root, "apps", "cli", manifest.bin.graft ?? "");

  it("is a source file, not under dist/, so npm links it on a fresh clone", () => {
    expect(manifest.bin.graft).not.toMatch(/dist\//);
    expect(existsSync(bin)).toBe(true);
    const gitFiles = spawnSync("git", ["ls-files", "--error-unmatch", bin], { cwd: root, encoding: "utf8" });
    expect(gitFiles.status, `${bin} must be committed`).toBe(0);
  });

  it("is linked as node_modules/.bin/graft and prints the overview", () => {
    const link = join(root, "node_modules", ".bin", "graft");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(bin));
    const result = spawnSync(link, ["--help"], { cwd: root, encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}adapt +the whole pipeline/m);
  });
});

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repositoryRoot } from "@graft/testing";
import { describe, expect, it } from "vitest";

describe("scripts/bootstrap.mjs", () => {
  it("does nothing on a second run once npm ci, the build and the venv are in place", () => {
    const root = repositoryRoot();
    const first = spawnSync(process.execPath, [join(root, "scripts", "bootstrap.mjs")], { cwd: root, encoding: "utf8" });
    expect(first.status, first.stderr).toBe(0);
    const second = spawnSync(process.execPath, [join(root, "scripts", "bootstrap.mjs")], { cwd: root, encoding: "utf8" });
    expect(second.status, second.stderr).toBe(0);
    const steps = second.stderr.split("\n").filter((line) => /^\[bootstrap\] (npm ci|build|python venv|pip install):/.test(line));
    expect(steps).toEqual([]);
    expect(second.stderr).toContain("[bootstrap] ready");
  });
});

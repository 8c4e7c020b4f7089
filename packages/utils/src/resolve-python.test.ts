import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolvePython } from "./resolve-python.js";

const work = mkdtempSync(join(tmpdir(), "graft-utils-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("resolvePython", () => {
  it("takes GRAFT_PYTHON first, else the nearest .venv above the working directory", () => {
    const project = join(work, "project");
    const nested = join(project, "a", "b");
    mkdirSync(join(project, ".venv", "bin"), { recursive: true });
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(project, ".venv", "bin", "python"), "");
    const cases = [
      { name: "GRAFT_PYTHON", options: { cwd: nested, env: { GRAFT_PYTHON: "/opt/python" } }, expected: { path: "/opt/python", source: "GRAFT_PYTHON" } },
      { name: ".venv above cwd", options: { cwd: nested, env: {} }, expected: { path: join(project, ".venv", "bin", "python"), source: "venv" } },
    ];
    for (const testCase of cases) expect(resolvePython(testCase.options), testCase.name).toEqual(testCase.expected);
  });
});

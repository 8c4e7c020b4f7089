import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { processIsAlive } from "./process-is-alive.js";

describe("processIsAlive", () => {
  it("is true for this process and false for one that has exited", () => {
    const exited = spawnSync(process.execPath, ["-e", ""]).pid;
    expect(processIsAlive(process.pid)).toBe(true);
    expect(exited).toBeGreaterThan(0);
    expect(processIsAlive(exited)).toBe(false);
  });
});

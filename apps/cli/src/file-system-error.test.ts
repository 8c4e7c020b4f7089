import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { graft } from "./testing/run-graft.js";

const work = temporaryDirectory("graft-fs-errors-");
afterAll(() => work.remove());

describe("a failed system call or a malformed file", () => {
  const missing = join(work.path, "no-such-job.json");
  const malformed = join(work.path, "bad-job.json");
  const directory = join(work.path, "a-directory");
  writeFileSync(malformed, '{"model": ');
  mkdirSync(directory);
  const cases = [
    {
      name: "a missing job file",
      argv: ["train", "--job", missing],
      error: "FileSystemError",
      message: `${missing}: no such file or directory (open); check the path`,
    },
    { name: "a directory as the job file", argv: ["train", "--job", directory], error: "FileSystemError", message: "a directory is where a file was expected" },
    { name: "a malformed job file", argv: ["train", "--job", malformed], error: "TrainJobError", message: `${malformed} is not valid JSON` },
  ];
  for (const testCase of cases) {
    it(`${testCase.name}: graft's error with the path and the fix, exit 1, no stack; --json gets one line`, async () => {
      const text = await graft(...testCase.argv);
      expect(text.code, text.err).toBe(1);
      expect(text.err).toContain(`${testCase.error}: `);
      expect(text.err).toContain(testCase.message);
      expect(text.err).not.toMatch(/\n\s+at /);
      const json = await graft(...testCase.argv, "--json");
      expect(json.code).toBe(1);
      const lines = json.out.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ type: "error", name: testCase.error, exitCode: 1 });
    });
  }

  it("an unreadable job file, as an unprivileged user: permission denied with the fix", async () => {
    // Root reads anything, so as root the built CLI runs as nobody (setpriv); otherwise in process.
    const shared = mkdtempSync(join(tmpdir(), "graft-unreadable-"));
    chmodSync(shared, 0o755);
    const locked = join(shared, "locked.json");
    writeFileSync(locked, "{}");
    chmodSync(locked, 0o000);
    try {
      let result: { code: number; err: string };
      if (process.getuid?.() === 0) {
        const bin = join(repositoryRoot(), "apps", "cli", "bin", "graft.mjs");
        const run = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, bin, "train", "--job", locked], {
          encoding: "utf8",
        });
        result = { code: run.status ?? -1, err: run.stderr };
      } else result = await graft("train", "--job", locked);
      expect(result.code, result.err).toBe(1);
      expect(result.err).toContain(`FileSystemError: ${locked}: permission denied (open); check the permissions`);
      expect(result.err).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });
});

import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { ShardedSafetensorsReader } from "./sharded-safetensors-reader.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
const script = fileURLToPath(new URL("./fixtures/slow-writer.ts", import.meta.url));

function runWriter(directory: string, killAfterLines?: number): Promise<{ lines: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, directory], { stdio: ["ignore", "pipe", "inherit"] });
    const lines: string[] = [];
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      lines.push(...chunk.split("\n").filter(Boolean));
      if (killAfterLines !== undefined && lines.length >= killAfterLines) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve({ lines, signal }));
  });
}

describe("writer crash safety", () => {
  it("a writer killed midway leaves no shard under a final name; a full run leaves only final names", async () => {
    const killed = join(work.path, "killed");
    const result = await runWriter(killed, 20);
    expect(result.signal).toBe("SIGKILL");
    expect(result.lines).not.toContain("finalized");
    const left = existsSync(killed) ? readdirSync(killed) : [];
    expect(left.filter((file) => /^model.*\.safetensors$|index\.json$/.test(file))).toEqual([]);
    expect(left.length).toBeGreaterThan(0);

    const complete = join(work.path, "complete");
    const full = await runWriter(complete);
    expect(full.lines).toContain("finalized");
    const files = readdirSync(complete).sort();
    expect(
      files.every((file) => /^model-\d{5}-of-\d{5}\.safetensors$|^model\.safetensors\.index\.json$/.test(file)),
      files.join(","),
    ).toBe(true);
    const reader = await ShardedSafetensorsReader.open(complete);
    expect(reader.tensorNames()).toHaveLength(64);
    expect((await reader.readRows("layers.63.weight", 1023, 1)).data[0]).toBe(63);
    await reader.close();
  });
});

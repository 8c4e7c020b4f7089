import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { STAGE_MARKER } from "@graft/adapt";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { replaceDirectory, replaceFile } from "./replace-published.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

describe("publishing the zoo's outputs", () => {
  it("replaceDirectory swaps a stage output in for the old directory, without its stage marker or leftovers", async () => {
    const source = join(work.path, "stage");
    const destination = join(work.path, "published");
    mkdirSync(source);
    writeFileSync(join(source, "config.json"), "new");
    writeFileSync(join(source, STAGE_MARKER), "{}");
    mkdirSync(destination);
    writeFileSync(join(destination, "config.json"), "old");
    writeFileSync(join(destination, "stale.bin"), "old");
    await replaceDirectory(source, destination);
    expect(readdirSync(destination)).toEqual(["config.json"]);
    expect(readFileSync(join(destination, "config.json"), "utf8")).toBe("new");
    expect(readdirSync(work.path).sort()).toEqual(["published", "stage"]);
    await replaceDirectory(source, join(work.path, "fresh"));
    expect(readFileSync(join(work.path, "fresh", "config.json"), "utf8")).toBe("new");
  });

  it("replaceFile renames a copy over the old file", async () => {
    const source = join(work.path, "quality.json");
    const destination = join(work.path, "published-quality.json");
    writeFileSync(source, "new");
    writeFileSync(destination, "old");
    await replaceFile(source, destination);
    expect(readFileSync(destination, "utf8")).toBe("new");
    expect(existsSync(`${destination}.incoming`)).toBe(false);
  });
});

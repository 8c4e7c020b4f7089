// `graft import gguf` end to end on the real SmolLM2 file: --json events keyed `type`, a model
// directory graft loads, and a typed error (exit 1, nothing written) for a file that is not GGUF.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadModelDirectory } from "@graft/hf";
import { realModel, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const model = await realModel("smollm2");
const work = temporaryDirectory();
afterAll(() => work.remove());

describe("graft import gguf", () => {
  it.skipIf(model.skip !== undefined)(
    `imports SmolLM2-135M-Instruct with --json events${model.skip ? ` (skipped: ${model.skip})` : ""}`,
    async () => {
      const out = join(work.path, "smollm2");
      const { code, out: stdout } = await graft("import", "gguf", model.path as string, "--out", out, "--json");
      expect(code).toBe(0);
      const events = stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { type: string });
      expect(events[0]).toMatchObject({ type: "start", tensors: 272, dtype: "bf16" });
      expect(events.at(-1)).toMatchObject({ type: "done", tensors: 272 });
      const loaded = await loadModelDirectory(out);
      expect(loaded.config.rope).toMatchObject({ theta: 100000 });
      expect(loaded.chatTemplate).toContain("<|im_start|>");
      const again = await graft("import", "gguf", model.path as string, "--out", out);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/OutputDirectoryExistsError/);
      expect((await graft("import", "gguf", model.path as string, "--out", out, "--overwrite", "--dtype", "f32")).code).toBe(0);
    },
    120_000,
  );

  it("refuses a file that is not GGUF with a typed error and writes nothing", async () => {
    const file = join(work.path, "notes.txt");
    writeFileSync(file, "hello\n");
    const out = join(work.path, "never");
    const { code, err } = await graft("import", "gguf", file, "--out", out);
    expect(code).toBe(1);
    expect(err).toMatch(/GgufFormatError: .*not a GGUF file/);
    expect(existsSync(out)).toBe(false);
  });
});

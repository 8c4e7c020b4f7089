import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromFloat32, toFloat32 } from "@graft/safetensors";
import { createTinyModel, fixtureTokenizerDirectory, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atomicOutputDirectory } from "./atomic-output-directory.js";
import { loadModelDirectory } from "./load-model-directory.js";
import { OutputDirectoryExistsError } from "./output-directory-exists-error.js";
import { writeModelDirectory } from "./write-model-directory.js";

const work = temporaryDirectory();
const source = join(work.path, "source");
afterAll(() => work.remove());
beforeAll(async () => {
  await createTinyModel({ out: source, tokenizerDirectory: fixtureTokenizerDirectory("llama2"), hiddenSize: 32, intermediateSize: 48, layers: 2, seed: 1 });
});

describe("writeModelDirectory", () => {
  it("replaces, adds and drops tensors, copies everything else bit for bit, updates config.json; transformers loads it", async () => {
    const out = join(work.path, "edited");
    const original = await loadModelDirectory(source);
    const embed = await original.weights.readTensor("model.embed_tokens.weight");
    const doubled = fromFloat32(
      toFloat32(embed).map((value) => value * 2),
      "F32",
      embed.shape,
    );
    await writeModelDirectory({
      source,
      out,
      replacements: {
        "model.embed_tokens.weight": doubled,
        "extra.scale": async () => fromFloat32(new Float32Array([1, 2]), "F32", [2]),
        // Streamed a row at a time (never whole in memory).
        "extra.rows": {
          dtype: "F32",
          shape: [3, 2],
          chunks: async function* () {
            for (let row = 0; row < 3; row += 1) yield fromFloat32(new Float32Array([row, row + 0.5]), "F32", [1, 2]).data;
          },
        },
      },
      drop: ["lm_head.weight"],
      configUpdates: { tie_word_embeddings: true },
      files: { "README.md": "edited by a test\n" },
      maxShardSize: 20_000,
    });
    const edited = await loadModelDirectory(out);
    expect(edited.config.tie_word_embeddings).toBe(true);
    expect(edited.weights.has("lm_head.weight")).toBe(false);
    expect(Array.from(toFloat32(await edited.weights.readTensor("extra.rows")))).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(Array.from(toFloat32(await edited.weights.readTensor("model.embed_tokens.weight")).slice(0, 4))).toEqual(
      Array.from(
        toFloat32(embed)
          .slice(0, 4)
          .map((value) => value * 2),
      ),
    );
    for (const name of original.weights.tensorNames().filter((name) => name.startsWith("model.layers."))) {
      expect(Buffer.from((await edited.weights.readTensor(name)).data).equals(Buffer.from((await original.weights.readTensor(name)).data)), name).toBe(true);
    }
    expect(readFileSync(join(out, "tokenizer.json")).equals(readFileSync(join(source, "tokenizer.json")))).toBe(true);
    expect(readFileSync(join(out, "README.md"), "utf8")).toBe("edited by a test\n");
    expect(readdirSync(out)).toContain("model.safetensors.index.json");
    await edited.weights.close();
    await original.weights.close();
    const loaded = runPythonJson<{ tied: boolean; same: boolean }>(
      `
import json, sys, torch
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained(sys.argv[1])
print(json.dumps({"tied": model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr(), "same": bool(torch.equal(model.lm_head.weight, model.model.embed_tokens.weight))}))
`,
      { args: [out] },
    );
    expect(loaded).toEqual({ tied: true, same: true });
  });

  it("refuses to clobber an existing output unless asked, and names the problem", async () => {
    const out = join(work.path, "occupied");
    mkdirSync(out);
    writeFileSync(join(out, "keep.txt"), "user data");
    const error = await writeModelDirectory({ source, out }).catch((caught: unknown) => caught);
    expect(OutputDirectoryExistsError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/already exists and is not empty\. .*pass `overwrite: true` \(`--overwrite` on the command line\)/);
    expect(readFileSync(join(out, "keep.txt"), "utf8")).toBe("user data");
    await writeModelDirectory({ source, out, overwrite: true });
    expect(existsSync(join(out, "keep.txt"))).toBe(false);
    expect(existsSync(join(out, "model.safetensors"))).toBe(true);
  });

  it("a streamed replacement that yields the wrong number of bytes fails the write and leaves no output", async () => {
    const out = join(work.path, "short-stream");
    const short = { dtype: "F32" as const, shape: [4, 2], chunks: () => [new Uint8Array(16)] };
    await expect(writeModelDirectory({ source, out, replacements: { "model.norm.weight": short } })).rejects.toThrow(
      /tensor "model.norm.weight": F32 \[4,2\] needs 32 bytes, got 16/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("a failed build leaves nothing behind", async () => {
    const out = join(work.path, "failed");
    await expect(
      atomicOutputDirectory(out, async (temporary) => {
        writeFileSync(join(temporary, "half.bin"), "x");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dirname(out)).filter((entry) => entry.startsWith(".failed"))).toEqual([]);
  });

  it("a writer killed midway leaves no output directory; a rerun cleans the stale temporary and succeeds", async () => {
    const out = join(work.path, "killed");
    const script = fileURLToPath(new URL("./fixtures/hanging-writer.ts", import.meta.url));
    const lines: string[] = [];
    const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", script, source, out], { stdio: ["ignore", "pipe", "inherit"] });
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        lines.push(...chunk.split("\n").filter(Boolean));
        if (lines.includes("midway")) child.kill("SIGKILL");
      });
      child.on("error", reject);
      child.on("close", (_code, received) => resolve(received));
    });
    expect(signal).toBe("SIGKILL");
    expect(lines.filter((line) => line.startsWith("tensor")).length).toBeGreaterThan(5);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work.path).some((entry) => entry.startsWith(".killed.tmp-"))).toBe(true);
    await writeModelDirectory({ source, out });
    expect(existsSync(join(out, "model.safetensors"))).toBe(true);
    expect(readdirSync(work.path).some((entry) => entry.startsWith(".killed.tmp-"))).toBe(false);
  });
});

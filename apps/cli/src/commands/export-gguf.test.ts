// `graft export gguf` end to end on a tiny Llama-3-tokenizer model: --json events keyed `type`, a file
// the GGUF reader opens, OutputFileExistsError without --overwrite, and a typed error (exit 1,
// nothing written) for an architecture the export does not write.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GgufReader } from "@graft/gguf";
import { createTinyModel, fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
const model = join(work.path, "tiny");

beforeAll(async () => {
  await createTinyModel({
    out: model,
    tokenizerDirectory: fixtureTokenizerDirectory("llama3"),
    hiddenSize: 32,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediateSize: 64,
  });
}, 120_000);

describe("graft export gguf", () => {
  it("exports with --json events, refuses to overwrite without --overwrite", async () => {
    const out = join(work.path, "tiny.gguf");
    const { code, out: stdout, err } = await graft("export", "gguf", "--model", model, "--out", out, "--type", "q8_0", "--json");
    expect(code, err).toBe(0);
    const events = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string });
    expect(events[0]).toMatchObject({ type: "start", architecture: "llama", tensors: 12, outputType: "q8_0", preTokenizer: "llama-bpe" });
    expect(events.filter((event) => event.type === "tensor")).toHaveLength(12);
    expect(events.at(-1)).toMatchObject({ type: "done", tensors: 12 });
    const reader = await GgufReader.open(out);
    expect(reader.metadata.get("tokenizer.ggml.pre")).toBe("llama-bpe");
    expect(reader.tensor("blk.0.attn_q.weight")?.type.name).toBe("Q8_0");
    await reader.close();
    const again = await graft("export", "gguf", "--model", model, "--out", out);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/OutputFileExistsError/);
    expect((await graft("export", "gguf", "--model", model, "--out", out, "--overwrite")).code).toBe(0);
  }, 120_000);

  it("refuses an architecture it does not export with a typed error and writes nothing", async () => {
    const config = JSON.parse(readFileSync(join(model, "config.json"), "utf8"));
    writeFileSync(join(model, "config.json"), JSON.stringify({ ...config, model_type: "gemma2", architectures: ["Gemma2ForCausalLM"] }));
    const out = join(work.path, "never.gguf");
    const { code, err } = await graft("export", "gguf", "--model", model, "--out", out);
    writeFileSync(join(model, "config.json"), JSON.stringify(config));
    expect(code).toBe(1);
    expect(err).toMatch(/GgufExportUnsupportedError: .*model_type is gemma2/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});

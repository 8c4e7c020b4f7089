import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { writeModelDirectory } from "@graft/hf";
import { LEP_REPORT_FILE, LepInputError } from "@graft/lep";
import { ShardedSafetensorsReader, toFloat32 } from "@graft/safetensors";
import { createTinyModel, fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../usage-error.js";
import { lepCommand } from "./lep.js";

const work = temporaryDirectory();
let base: string;
let instruct: string;
let narrow: string;

beforeAll(async () => {
  const tokenizerDirectory = fixtureTokenizerDirectory("llama2");
  const shape = { tokenizerDirectory, layers: 1, heads: 2, kvHeads: 1, intermediateSize: 32, initializerRange: 0.5 };
  base = await createTinyModel({ ...shape, out: join(work.path, "base"), hiddenSize: 24, seed: 3 });
  // An "instruct" model identical to the base but for its chat template: P must come out as the identity.
  instruct = join(work.path, "instruct");
  const tokenizerConfig = JSON.parse(readFileSync(join(base, "tokenizer_config.json"), "utf8"));
  await writeModelDirectory({
    source: base,
    out: instruct,
    files: { "tokenizer_config.json": { ...tokenizerConfig, chat_template: "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}{% endfor %}" } },
  });
  narrow = await createTinyModel({ ...shape, out: join(work.path, "narrow"), hiddenSize: 16, seed: 4 });
});
afterAll(() => work.remove());

function io(json = false) {
  const stdout = new PassThrough();
  let printed = "";
  stdout.on("data", (chunk) => (printed += chunk));
  return { context: { stdout, stderr: new PassThrough(), json }, printed: () => printed };
}

describe("graft lep", () => {
  it("propagates, prints the report and writes it as JSON", async () => {
    const { context, printed } = io();
    const out = join(work.path, "out");
    const code = await lepCommand.run(
      { values: { base, instruct, donor: base, out, mode: "conversion", ridge: "0", engine: "javascript", threads: "2" }, positionals: [] },
      context,
    );
    expect(code).toBe(0);
    expect(printed()).toMatch(/model\.embed_tokens\.weight: residual \d\.\d{3}e-\d+, condition \d\.\d{2}e\+\d+, ridge 0, 31997 fit rows/);
    expect(printed()).toMatch(/lm_head\.weight: residual/);
    const report = JSON.parse(readFileSync(join(out, LEP_REPORT_FILE), "utf8"));
    expect(report.modules.map((module: { residual: number }) => module.residual < 1e-6)).toEqual([true, true]);
    // Same base and instruct: P = I, so the rows are the donor's up to float32 rounding.
    const [written, donor] = await Promise.all(
      [out, base].map(async (directory) => {
        const reader = await ShardedSafetensorsReader.open(directory);
        const values = toFloat32(await reader.readTensor("model.embed_tokens.weight"));
        await reader.close();
        return values;
      }),
    );
    let worst = 0;
    for (let index = 0; index < donor.length; index += 1) worst = Math.max(worst, Math.abs(written[index] - donor[index]));
    expect(worst).toBeLessThan(1e-5);
    expect(JSON.parse(readFileSync(join(out, "tokenizer_config.json"), "utf8")).chat_template).toContain("[{{ m['role'] }}]");
  });

  it("--json prints one event per line", async () => {
    const { context, printed } = io(true);
    const code = await lepCommand.run({ values: { base, instruct, donor: base, out: join(work.path, "out-json"), mode: "swap" }, positionals: [] }, context);
    expect(code).toBe(0);
    const events = printed()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).type);
    expect(events[0]).toBe("inputs-validated");
    expect(events.at(-1)).toBe("lep-finished");
    expect(events).not.toContain("map-solved");
  });

  const refusals = [
    { name: "missing --donor", values: { base: "b", instruct: "i", out: "o" }, error: /^missing --donor; see graft lep --help$/ },
    {
      name: "unknown mode",
      values: { base: "b", instruct: "i", donor: "d", out: "o", mode: "average" },
      error: /^--mode must be one of conversion, overlap, swap, got "average"/,
    },
    { name: "negative ridge", values: { base: "b", instruct: "i", donor: "d", out: "o", ridge: "-1" }, error: /^--ridge must be a number >= 0, got "-1"/ },
    {
      name: "an unknown engine",
      values: { base: "b", instruct: "i", donor: "d", out: "o", engine: "blas" },
      error: /^--engine must be one of onnxruntime, javascript, got "blas"/,
    },
    {
      name: "zero threads",
      values: { base: "b", instruct: "i", donor: "d", out: "o", threads: "0" },
      error: /^--threads must be a whole number >= 1, got "0"/,
    },
  ];
  for (const refusal of refusals) {
    it(`refuses ${refusal.name}`, async () => {
      const error = await lepCommand.run({ values: refusal.values, positionals: [] }, io().context).catch((caught: unknown) => caught);
      expect(UsageError.isInstance(error)).toBe(true);
      expect((error as UsageError).message).toMatch(refusal.error);
    });
  }

  it("names a hidden-size mismatch before doing any work", async () => {
    const out = join(work.path, "out-narrow");
    const run = lepCommand.run({ values: { base, instruct, donor: narrow, out }, positionals: [] }, io().context);
    await expect(run).rejects.toSatisfy((error: unknown) => LepInputError.isInstance(error) && (error as LepInputError).mismatch === "hidden_size");
    expect(existsSync(out)).toBe(false);
  });
});

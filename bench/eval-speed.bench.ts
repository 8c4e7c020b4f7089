// What a bigger vocabulary buys in generation: the same SmolLM2-135M-shaped body (random weights) with
// the Llama-2 (32k), Llama-3 (128k) and Qwen2.5 (152k) tokenizers, ONNX on onnxruntime-node, batch 1, fp32.
// Per tokenizer: characters/token on Russian held-out text, decode tokens/s, and Russian characters/s
// writing the same fixed passage (graft's generationSpeed); ratios against the Llama-2 tokenizer.
// Run: node --import tsx bench/eval-speed.bench.ts [--threads N] [--layers N]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { exportOnnx, generationSpeed, OnnxCausalModel } from "../packages/eval/src/index.ts";
import { loadTokenizer } from "../packages/hf/src/index.ts";
import { createTinyModel, fixtureTokenizerDirectory, repositoryRoot } from "../packages/testing/src/index.ts";
import { tokenizerEfficiency } from "../packages/vocab/src/index.ts";

const { values } = parseArgs({ options: { threads: { type: "string", default: "2" }, layers: { type: "string", default: "30" } } });
const threads = Number(values.threads);
const heldout = gunzipSync(readFileSync(join(repositoryRoot(), "data", "ru-heldout.txt.gz")))
  .toString("utf8")
  .slice(0, 20_000);
const workspace = mkdtempSync(join(tmpdir(), "graft-bench-speed-"));
const rows: { tokenizer: string; vocabulary: number; charactersPerToken: number; tokensPerSecond: number; charactersPerSecond: number }[] = [];
try {
  for (const [index, name] of (["llama2", "llama3", "qwen2_5"] as const).entries()) {
    const directory = join(workspace, name);
    await createTinyModel({
      out: directory,
      tokenizerDirectory: fixtureTokenizerDirectory(name),
      architecture: "llama",
      hiddenSize: 576,
      layers: Number(values.layers),
      heads: 9,
      kvHeads: 3,
      intermediateSize: 1536,
      tieWordEmbeddings: true,
      seed: index + 1,
    });
    await exportOnnx({ model: directory, out: `${directory}-onnx` });
    const tokenizer = await loadTokenizer(directory);
    const model = await OnnxCausalModel.load(`${directory}-onnx`, { threads });
    await generationSpeed(model, tokenizer, { prompt: heldout.slice(0, 50), passage: heldout.slice(50, 80), newTokens: 4 }); // warm-up
    const speed = await generationSpeed(model, tokenizer, { prompt: heldout.slice(0, 200), passage: heldout.slice(200, 500) });
    await model.release();
    rows.push({
      tokenizer: name,
      vocabulary: tokenizer.vocabSize,
      charactersPerToken: tokenizerEfficiency(tokenizer, [heldout]).charactersPerToken,
      tokensPerSecond: speed.tokensPerSecond,
      charactersPerSecond: speed.charactersPerSecond,
    });
    rmSync(`${directory}-onnx`, { recursive: true, force: true });
  }
  const peer = rows[0]!;
  console.log("| tokenizer | vocabulary | ru chars/token | decode tok/s | ru chars/s (300-char passage) | chars/s vs llama2 |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const row of rows)
    console.log(
      `| ${row.tokenizer} | ${row.vocabulary} | ${row.charactersPerToken.toFixed(3)} | ${row.tokensPerSecond.toFixed(1)} | ${row.charactersPerSecond.toFixed(1)} | ${(row.charactersPerSecond / peer.charactersPerSecond).toFixed(2)}x |`,
    );
  console.log(`threads=${threads} layers=${values.layers} hidden=576 (SmolLM2-135M body), fp32, batch 1`);
} finally {
  rmSync(workspace, { recursive: true, force: true });
}

// Time of the language-alignment generation on the zoo models: every prompt of a prompt file answered
// greedily through each model's chat template, one prompt at a time vs batched (left padding + KV cache).
// The replies must be the same tokens at every batch size; the bench fails otherwise.
// Run: node --import tsx bench/eval-alignment.bench.ts [--threads N] [--new-tokens N] [--prompts FILE] [--batch-sizes 1,16]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadChatTemplate } from "../packages/chat-tags/src/index.ts";
import { chatReplies, exportOnnx, OnnxCausalModel, readPromptSet, stopTokenIdsOf } from "../packages/eval/src/index.ts";
import { loadModelDirectory, loadTokenizer } from "../packages/hf/src/index.ts";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "2" },
    "new-tokens": { type: "string", default: "64" },
    prompts: { type: "string", default: "data/prompts-en.jsonl" },
    "batch-sizes": { type: "string", default: "1,16" },
  },
});
const threads = Number(values.threads);
const maxNewTokens = Number(values["new-tokens"]);
const batchSizes = values["batch-sizes"].split(",").map(Number);
const models = ["zoo/tiny-en-base", "zoo/tiny-en-instruct"];
const { prompts } = await readPromptSet(values.prompts);
const work = mkdtempSync(join(tmpdir(), "graft-bench-alignment-"));
const seconds = new Map<number, number>(batchSizes.map((size) => [size, 0]));
const tokens = new Map<number, number>(batchSizes.map((size) => [size, 0]));
try {
  for (const [index, directory] of models.entries()) {
    const out = join(work, `onnx-${index}`);
    await exportOnnx({ model: directory, out });
    const model = await OnnxCausalModel.load(out, { threads });
    const tokenizer = await loadTokenizer(directory);
    const template = await loadChatTemplate(directory);
    const loaded = await loadModelDirectory(directory);
    await loaded.weights.close();
    const stopTokenIds = stopTokenIdsOf(tokenizer, loaded.generationConfig);
    let reference: string | undefined;
    for (const batchSize of batchSizes) {
      const started = performance.now();
      const replies = await chatReplies(model, tokenizer, template, prompts, { maxNewTokens, stopTokenIds, batchSize });
      seconds.set(batchSize, seconds.get(batchSize)! + (performance.now() - started) / 1000);
      tokens.set(batchSize, tokens.get(batchSize)! + replies.reduce((total, reply) => total + reply.result.tokenIds.length, 0));
      const ids = JSON.stringify(replies.map((reply) => reply.result.tokenIds));
      reference ??= ids;
      if (ids !== reference) throw new Error(`${directory}: batch size ${batchSize} gave other replies than batch size ${batchSizes[0]}`);
    }
    await model.release();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${models.length} models x ${prompts.length} prompts (${values.prompts}) x at most ${maxNewTokens} new tokens, ${threads} threads`);
console.log("| batch size | seconds | generated tokens | tokens/s |");
console.log("| ---: | ---: | ---: | ---: |");
for (const size of batchSizes)
  console.log(`| ${size} | ${seconds.get(size)!.toFixed(1)} | ${tokens.get(size)} | ${(tokens.get(size)! / seconds.get(size)!).toFixed(1)} |`);
const first = batchSizes[0]!;
for (const size of batchSizes.slice(1))
  console.log(`batch ${size} / batch ${first}: ${(seconds.get(first)! / seconds.get(size)!).toFixed(2)}x as fast, the same replies`);

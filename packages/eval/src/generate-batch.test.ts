import { join } from "node:path";
import { loadChatTemplate } from "@graft/chat-tags";
import { loadModelDirectory, loadTokenizer } from "@graft/hf";
import { repositoryRoot, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatReplies, chatReply, stopTokenIdsOf } from "./chat-reply.js";
import { exportOnnx } from "./export-onnx.js";
import { generate } from "./generate.js";
import { generateBatch } from "./generate-batch.js";
import { OnnxCausalModel } from "./onnx-causal-model.js";

const workspace = temporaryDirectory("graft-eval-batch-");
const instruct = join(repositoryRoot(), "zoo", "tiny-en-instruct");
let model: OnnxCausalModel;

beforeAll(async () => {
  const out = join(workspace.path, "onnx");
  await exportOnnx({ model: instruct, out });
  model = await OnnxCausalModel.load(out, { threads: 1 });
});
afterAll(async () => {
  await model?.release();
  workspace.remove();
});

/** Prompts of very different lengths, so that rows are left-padded by different amounts and stop at different steps. */
const PROMPTS = [
  "Hi",
  "What is the capital of France?",
  "Name three colours.",
  "Write a short story about a cat who finds a lost key in the garden and gives it back to the old man next door.",
  "Count from one to ten.",
  "Why is the sky blue? Explain it simply, in two sentences, for a child.",
  "Say yes.",
];

describe("generateBatch", () => {
  it("gives the zoo instruct model's one-at-a-time greedy replies, token for token, at every batch size", async () => {
    const tokenizer = await loadTokenizer(instruct);
    const template = await loadChatTemplate(instruct);
    const directory = await loadModelDirectory(instruct);
    await directory.weights.close();
    const options = { maxNewTokens: 24, stopTokenIds: stopTokenIdsOf(tokenizer, directory.generationConfig) };
    const single = [];
    for (const prompt of PROMPTS) single.push(await chatReply(model, tokenizer, template, prompt, options));
    for (const batchSize of [3, 16]) {
      const batched = await chatReplies(model, tokenizer, template, PROMPTS, { ...options, batchSize });
      expect(batched.map((reply) => reply.result.tokenIds)).toEqual(single.map((reply) => reply.result.tokenIds));
      expect(batched.map((reply) => reply.result.stoppedBy)).toEqual(single.map((reply) => reply.result.stoppedBy));
      expect(batched.map((reply) => reply.text)).toEqual(single.map((reply) => reply.text));
    }
    // The table exercises rows that end their turn while others go on.
    const ends = new Set(single.map((reply) => reply.result.tokenIds.length));
    expect(ends.size).toBeGreaterThan(1);
  });

  it("stops each row at its own stop token and refuses an empty prompt or batch size", async () => {
    const tokenizer = await loadTokenizer(instruct);
    const prompts = [tokenizer.encode("The cat"), tokenizer.encode("Once upon a time there was")];
    const free = await Promise.all(prompts.map((prompt) => generate(model, prompt, { maxNewTokens: 6 })));
    // Make the first row's third token a stop token: that row ends there, the other runs on unchanged.
    const stop = free[0]!.tokenIds[2]!;
    const batched = await generateBatch(model, prompts, { maxNewTokens: 6, stopTokenIds: [stop] });
    expect(batched[0]!.tokenIds).toEqual(free[0]!.tokenIds.slice(0, free[0]!.tokenIds.indexOf(stop) + 1));
    expect(batched[0]!.stoppedBy).toBe("stop-token");
    const second = await generate(model, prompts[1]!, { maxNewTokens: 6, stopTokenIds: [stop] });
    expect(batched[1]!.tokenIds).toEqual(second.tokenIds);
    await expect(generateBatch(model, [[]], { maxNewTokens: 2 })).rejects.toThrow(RangeError);
    await expect(generateBatch(model, prompts, { maxNewTokens: 2, batchSize: 0 })).rejects.toThrow(RangeError);
  });
});

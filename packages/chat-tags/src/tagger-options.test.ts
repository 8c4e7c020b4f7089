import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureText, fixtureTokenizerDirectory, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { ChatTemplateError } from "./chat-template-error.js";
import { createTagger } from "./create-tagger.js";
import type { ChatMessage } from "./render-chat-template.js";
import { conversation, inscpDocument } from "./sample-formats.js";
import { SampleTooLongError } from "./sample-too-long-error.js";
import { tagJsonl } from "./tag-samples.js";
import type { TokenizedSample } from "./tokenize-sample.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const CONVERSATIONS: ChatMessage[][] = [
  [
    { role: "user", content: "" },
    { role: "assistant", content: "Москва — столица России.\n\nВторой абзац." },
  ],
  [
    { role: "system", content: "Ты полезный помощник." },
    { role: "user", content: "Привет!" },
    { role: "assistant", content: "Здравствуйте!" },
  ],
  [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "  Hello.  " },
    { role: "user", content: "Как дела?" },
    { role: "assistant", content: "Хорошо, спасибо! 👍" },
  ],
];

describe("assistant masks", () => {
  it("equal transformers' return_assistant_tokens_mask for a {% generation %} template", async () => {
    const templateFile = fixture("llama3-generation.jinja");
    const directory = fixtureTokenizerDirectory("llama3");
    const reference = runPythonJson<{ ids: number[]; mask: number[] }[]>(
      `
import json, sys
from transformers import AutoTokenizer
request = json.loads(sys.stdin.read())
tokenizer = AutoTokenizer.from_pretrained(request["directory"])
template = open(request["template"], encoding="utf-8").read()
out = []
for messages in request["conversations"]:
    result = tokenizer.apply_chat_template(messages, chat_template=template, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    out.append({"ids": list(result["input_ids"]), "mask": list(result["assistant_masks"])})
print(json.dumps(out))
`,
      { input: JSON.stringify({ directory, template: templateFile, conversations: CONVERSATIONS }) },
    );
    const tagger = await createTagger({ modelDirectory: directory, templateFile, mask: "assistant" });
    for (const [index, messages] of CONVERSATIONS.entries()) {
      const [sample] = await tagger.tag(conversation(messages));
      expect(sample.ids, `conversation ${index}`).toEqual(reference[index].ids);
      expect(sample.mask, `conversation ${index}`).toEqual(reference[index].mask);
      expect(
        reference[index].mask.some((bit) => bit === 1),
        "the reference marks some tokens",
      ).toBe(true);
    }
  });
});

describe("tagger options", () => {
  it("keeps Qwen2.5's injected default system prompt by default, or uses the given one", async () => {
    const directory = fixtureTokenizerDirectory("qwen2_5");
    const [byDefault] = await (await createTagger({ modelDirectory: directory })).tag(inscpDocument("Текст."));
    expect(byDefault.text).toContain("You are Qwen, created by Alibaba Cloud.");
    const [empty] = await (await createTagger({ modelDirectory: directory, systemPrompt: "" })).tag(inscpDocument("Текст."));
    expect(empty.text).toBe("<|im_start|>system\n<|im_end|>\n<|im_start|>user\n<|im_end|>\n<|im_start|>assistant\nТекст.<|im_end|>");
  });

  it("drops samples the scorer rates above the threshold and records the score", async () => {
    const documents = fixtureText("ru-fortunes").split("\n\n").slice(0, 12);
    const scorer = async (sample: TokenizedSample) => sample.ids.length / 10;
    const all = await createTagger({ modelDirectory: fixtureTokenizerDirectory("llama3") });
    const scores = await Promise.all(documents.map(async (document) => scorer((await all.tag(inscpDocument(document)))[0])));
    const threshold = [...scores].sort((a, b) => a - b)[Math.floor(scores.length / 2)];
    const selecting = await createTagger({ modelDirectory: fixtureTokenizerDirectory("llama3"), scorer, threshold });
    const kept = (await Promise.all(documents.map((document) => selecting.tag(inscpDocument(document))))).flat();
    expect(kept.length).toBe(scores.filter((score) => score <= threshold).length);
    expect(kept.length).toBeLessThan(documents.length);
    for (const sample of kept) expect(sample.metadata?.score).toBeLessThanOrEqual(threshold);
  });

  it("streams tagged samples from JSONL; template errors and unsplittable samples name the input line", async () => {
    const path = join(work.path, "conversations.jsonl");
    const good = {
      messages: [
        { role: "user", content: "Привет" },
        { role: "assistant", content: "Здравствуйте" },
      ],
    };
    writeFileSync(path, `${JSON.stringify(good)}\n${JSON.stringify({ messages: [{ role: "assistant", content: "first" }] })}\n`);
    const tagger = await createTagger({ modelDirectory: fixtureTokenizerDirectory("llama2"), templateFile: fixture("mistral-v0.1.jinja") });
    const streamed: TokenizedSample[] = [];
    const error = await (async () => {
      for await (const sample of tagJsonl(tagger, path, { format: "conversation" })) streamed.push(sample);
    })().catch((caught: unknown) => caught);
    expect(streamed).toHaveLength(1);
    expect(streamed[0].ids.length).toBe(streamed[0].mask.length);
    expect(streamed[0].metadata).toEqual({ source: path, line: 1 });
    expect(ChatTemplateError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/conversations\.jsonl:2: .*Conversation roles must alternate/);

    const longPath = join(work.path, "long.jsonl");
    writeFileSync(longPath, `${JSON.stringify(good)}\n`);
    const short = await createTagger({ modelDirectory: fixtureTokenizerDirectory("llama2"), templateFile: fixture("mistral-v0.1.jinja"), maxLength: 5 });
    const tooLong = await collect(tagJsonl(short, longPath, { format: "conversation" })).catch((caught: unknown) => caught);
    expect(SampleTooLongError.isInstance(tooLong)).toBe(true);
    expect((tooLong as Error).message).toMatch(/long\.jsonl:1: a conversation sample .*cannot be split.* does not fit max length 5/);
  });
});

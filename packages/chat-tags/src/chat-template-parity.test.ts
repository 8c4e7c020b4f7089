import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureTokenizerDirectory, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatTemplateError } from "./chat-template-error.js";
import { createTagger } from "./create-tagger.js";
import { loadChatTemplate } from "./load-chat-template.js";
import { type ChatMessage, renderChatTemplate } from "./render-chat-template.js";
import { conversation, inscpDocument } from "./sample-formats.js";

const work = temporaryDirectory();
afterAll(() => work.remove());
const mistralTemplate = fileURLToPath(new URL("./fixtures/mistral-v0.1.jinja", import.meta.url));
const gemmaTemplate = fileURLToPath(new URL("./fixtures/gemma.jinja", import.meta.url));
let mistralDirectory = "";
let gemmaDirectory = "";

/** A model directory from the Llama-2 fixture tokenizer, a hand-written template and extra special tokens. */
function handWrittenModel(name: string, templateFile: string, specialTokens: string[]): string {
  const directory = join(work.path, name);
  mkdirSync(directory);
  cpSync(fixtureTokenizerDirectory("llama2"), directory, { recursive: true });
  const tokenizer = JSON.parse(readFileSync(join(directory, "tokenizer.json"), "utf8"));
  const config = JSON.parse(readFileSync(join(directory, "tokenizer_config.json"), "utf8"));
  const firstId = Object.keys(tokenizer.model.vocab).length;
  for (const [offset, content] of specialTokens.entries()) {
    const token = { id: firstId + offset, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
    tokenizer.added_tokens.push(token);
    config.added_tokens_decoder = { ...config.added_tokens_decoder, [String(token.id)]: { ...token, id: undefined } };
  }
  config.chat_template = readFileSync(templateFile, "utf8");
  writeFileSync(join(directory, "tokenizer.json"), JSON.stringify(tokenizer));
  writeFileSync(join(directory, "tokenizer_config.json"), JSON.stringify(config));
  return directory;
}

beforeAll(() => {
  mistralDirectory = handWrittenModel("mistral", mistralTemplate, []);
  gemmaDirectory = handWrittenModel("gemma", gemmaTemplate, ["<start_of_turn>", "<end_of_turn>"]);
});

const CONVERSATIONS: { name: string; messages: ChatMessage[]; alternating: boolean; system: boolean }[] = [
  {
    name: "empty user turn (InsCP)",
    messages: [
      { role: "user", content: "" },
      { role: "assistant", content: "Москва — столица России.\n\nВторой абзац." },
    ],
    alternating: true,
    system: false,
  },
  {
    name: "system prompt",
    messages: [
      { role: "system", content: "Ты полезный помощник." },
      { role: "user", content: "Привет!" },
      { role: "assistant", content: "Здравствуйте!" },
    ],
    alternating: false,
    system: true,
  },
  {
    name: "multi-turn",
    messages: [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "Как дела?" },
      { role: "assistant", content: "Хорошо, спасибо! 👍" },
    ],
    alternating: true,
    system: false,
  },
  {
    name: "non-ASCII and whitespace",
    messages: [
      { role: "user", content: "  中文 テスト ñ  " },
      { role: "assistant", content: "  ответ с пробелами  " },
    ],
    alternating: true,
    system: false,
  },
];

const MODELS = ["llama3", "qwen2_5", "mistral", "gemma"];

function directoryOf(name: string): string {
  if (name === "gemma") return gemmaDirectory;
  return name === "mistral" ? mistralDirectory : fixtureTokenizerDirectory(name as "llama3" | "qwen2_5");
}

describe("chat template parity with transformers' apply_chat_template", () => {
  it("renders byte-identically and tokenizes to identical ids (tokenize=False and True)", async () => {
    const requests: { model: string; messages: ChatMessage[]; generation: boolean; tools?: unknown[] }[] = [];
    for (const model of MODELS) {
      for (const conversationCase of CONVERSATIONS) {
        if (model === "mistral" && !conversationCase.alternating) continue;
        for (const generation of [false, true]) requests.push({ model, messages: conversationCase.messages, generation });
      }
    }
    const tool = {
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather in a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    };
    requests.push({ model: "qwen2_5", messages: [{ role: "user", content: "Погода в Москве?" }], generation: true, tools: [tool] });
    const reference = runPythonJson<{ text: string; ids: number[] }[]>(
      `
import json, sys
from transformers import AutoTokenizer
requests = json.loads(sys.stdin.read())
tokenizers = {}
out = []
for request in requests:
    directory = request["directory"]
    tokenizer = tokenizers.setdefault(directory, AutoTokenizer.from_pretrained(directory))
    kwargs = {"add_generation_prompt": request["generation"]}
    if request.get("tools"): kwargs["tools"] = request["tools"]
    text = tokenizer.apply_chat_template(request["messages"], tokenize=False, **kwargs)
    ids = tokenizer.apply_chat_template(request["messages"], tokenize=True, **kwargs)
    if hasattr(ids, "keys"): ids = ids["input_ids"]
    out.append({"text": text, "ids": list(ids)})
print(json.dumps(out))
`,
      { input: JSON.stringify(requests.map((request) => ({ ...request, directory: directoryOf(request.model) }))) },
    );
    const taggers = new Map<string, Awaited<ReturnType<typeof createTagger>>>();
    for (const [index, request] of requests.entries()) {
      const directory = directoryOf(request.model);
      const template = await loadChatTemplate(directory);
      const text = renderChatTemplate(template, { messages: request.messages, addGenerationPrompt: request.generation, tools: request.tools });
      const label = `${request.model} #${index} generation=${request.generation}`;
      expect(text, label).toBe(reference[index].text);
      if (!taggers.has(directory)) taggers.set(directory, await createTagger({ modelDirectory: directory }));
      const tagger = taggers.get(directory) as Awaited<ReturnType<typeof createTagger>>;
      expect(tagger.tokenizer.encode(text, { addSpecialTokens: false }), label).toEqual(reference[index].ids);
    }
  });

  it("assistant-mode masks decode exactly to the assistant content plus its end-of-turn token", async () => {
    for (const model of MODELS) {
      const tagger = await createTagger({ modelDirectory: directoryOf(model), mask: "assistant" });
      for (const conversationCase of CONVERSATIONS) {
        if (model === "mistral" && !conversationCase.alternating) continue;
        const [sample] = await tagger.tag(conversation(conversationCase.messages));
        const masked = sample.ids.filter((_, index) => sample.mask[index] === 1);
        const decoded = tagger.tokenizer.decode(masked, { cleanUpTokenizationSpaces: false });
        const endOfTurn = { llama3: "<|eot_id|>", qwen2_5: "<|im_end|>", mistral: "</s>", gemma: "<end_of_turn>" }[model] as string;
        const template = model === "llama3" || model === "gemma" ? (content: string) => content.trim() : (content: string) => content;
        const expected = conversationCase.messages
          .filter((message) => message.role === "assistant")
          .map((message) => `${template(message.content)}${endOfTurn}`)
          .join("");
        const normalise = (value: string) => (model === "mistral" || model === "gemma" ? value.replace(/\s+/g, " ").trim() : value);
        expect(
          normalise(decoded.replace(new RegExp(`${endOfTurn.replace(/[|<>/]/g, "\\$&")}\\s*`, "g"), endOfTurn)),
          `${model}: ${conversationCase.name}`,
        ).toBe(normalise(expected));
        expect(
          sample.mask.some((bit) => bit === 0),
          `${model}: ${conversationCase.name} masks the template`,
        ).toBe(true);
      }
    }
  });

  it("wraps an InsCP document as the paper does: empty user turn, document as assistant turn, ending with end-of-turn", async () => {
    const cases = [
      {
        model: "llama3",
        expected: "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nТекст.<|eot_id|>",
      },
      {
        model: "qwen2_5",
        expected:
          "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|im_end|>\n<|im_start|>assistant\nТекст.<|im_end|>",
      },
      { model: "mistral", expected: "<s>[INST]  [/INST]Текст.</s>" },
      { model: "gemma", expected: "<s><start_of_turn>user\n<end_of_turn>\n<start_of_turn>model\nТекст.<end_of_turn>" },
    ];
    for (const testCase of cases) {
      const tagger = await createTagger({ modelDirectory: directoryOf(testCase.model) });
      const [sample] = await tagger.tag(inscpDocument("Текст."));
      expect(sample.text, testCase.model).toBe(testCase.expected);
      expect(sample.ids.filter((id) => id === tagger.tokenizer.specialTokens.bos?.id).length, `${testCase.model}: one BOS at most`).toBeLessThanOrEqual(1);
    }
  });

  it("bad input gives typed errors that say where and what to do", async () => {
    const noTemplate = fixtureTokenizerDirectory("llama2");
    const error = await loadChatTemplate(noTemplate).catch((caught: unknown) => caught);
    expect(ChatTemplateError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(noTemplate);
    expect((error as Error).message).toContain("--template FILE");
    const tagger = await createTagger({ modelDirectory: mistralDirectory });
    const raised = await tagger.tag(conversation([{ role: "assistant", content: "first" }])).catch((caught: unknown) => caught);
    expect(ChatTemplateError.isInstance(raised)).toBe(true);
    expect((raised as Error).message).toMatch(/Conversation roles must alternate/);
  });
});

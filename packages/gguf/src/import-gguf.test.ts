// `importGguf` on the real SmolLM2-135M-Instruct Q4_1 file against transformers' own GGUF loader
// (the field's reference dequantizer): every tensor equal, the output loads in transformers with
// the same logits, the tokenizer gives the same ids. Skips only when the registry is unreachable.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadTokenizer } from "@graft/hf";
import { fixtureText, realModel, runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importGguf } from "./import-gguf.js";

const model = await realModel("smollm2");
const work = temporaryDirectory();
afterAll(() => work.remove());

const REFERENCE = `
import json, sys, torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer
gguf, f32, bf16, text_path = sys.argv[1:5]
directory, name = gguf.rsplit("/", 1)
reference = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name).eval()
expected = reference.state_dict()
result = {"mismatch_f32": [], "mismatch_bf16": [], "missing": []}
for stored, key, dtype in ((f32, "mismatch_f32", torch.float32), (bf16, "mismatch_bf16", torch.bfloat16)):
    ours = load_file(stored + "/model.safetensors")
    for tensor_name, tensor in expected.items():
        if tensor_name == "lm_head.weight" and reference.config.tie_word_embeddings:
            continue
        if tensor_name not in ours:
            result["missing"].append(tensor_name); continue
        if ours[tensor_name].dtype != dtype or not torch.equal(ours[tensor_name], tensor.to(dtype)):
            result[key].append(tensor_name)
    result[key + "_count"] = len(ours)
result["expected_count"] = len([n for n in expected if n != "lm_head.weight"])
loaded = AutoModelForCausalLM.from_pretrained(f32).eval()
result["tied"] = loaded.lm_head.weight.data_ptr() == loaded.model.embed_tokens.weight.data_ptr()
ours_tok = AutoTokenizer.from_pretrained(f32)
ref_tok = AutoTokenizer.from_pretrained(directory, gguf_file=name)
text = open(text_path, encoding="utf8").read()
ids = ref_tok(text)["input_ids"]
result["token_count"] = len(ids)
result["ids"] = ids
result["ids_equal"] = ours_tok(text)["input_ids"] == ids
chat = [{"role": "user", "content": "What is the capital of France?"}]
result["template_equal"] = ours_tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True) == ref_tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
result["special"] = [ours_tok.bos_token, ours_tok.eos_token, ours_tok.pad_token, len(ours_tok) == len(ref_tok)]
prompt = ref_tok.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)["input_ids"]
with torch.no_grad():
    result["logit_difference"] = (loaded(prompt).logits - reference(prompt).logits).abs().max().item()
print(json.dumps(result))
`;

interface Reference {
  mismatch_f32: string[];
  mismatch_bf16: string[];
  missing: string[];
  mismatch_f32_count: number;
  mismatch_bf16_count: number;
  expected_count: number;
  tied: boolean;
  token_count: number;
  ids: number[];
  ids_equal: boolean;
  template_equal: boolean;
  special: [string, string, string, boolean];
  logit_difference: number;
}

describe.skipIf(model.skip !== undefined)(`importGguf on SmolLM2-135M-Instruct Q4_1${model.skip ? ` (skipped: ${model.skip})` : ""}`, () => {
  let reference: Reference;
  let text: string;
  const events: { type: string }[] = [];
  const f32 = join(work.path, "f32");
  const bf16 = join(work.path, "bf16");

  beforeAll(async () => {
    const file = model.path as string;
    await importGguf({ file, out: f32, dtype: "f32", onEvent: (event) => events.push(event) });
    await importGguf({ file, out: bf16 });
    const textPath = join(work.path, "text.txt");
    const special = "<|im_start|>user\nПривет!<|im_end|>\n<|im_start|>assistant\n<|endoftext|> <repo_name>x";
    text = `${fixtureText("ru-fortunes").slice(0, 2500)}\n${fixtureText("en-fortunes").slice(0, 1500)}\n${special}\nfunction f(x) {\n\treturn x ** 2; // ok\n}\n  \u00a0 12345 ÿ 🤗\n`;
    writeFileSync(textPath, text);
    reference = runPythonJson<Reference>(REFERENCE, { args: [file, f32, bf16, textPath], timeoutMs: 600_000 });
  }, 900_000);

  it("writes every tensor equal to transformers' dequantization, in float32 and rounded to bf16", () => {
    expect(reference.missing).toEqual([]);
    expect(reference.mismatch_f32).toEqual([]);
    expect(reference.mismatch_bf16).toEqual([]);
    expect(reference.mismatch_f32_count).toBe(reference.expected_count);
    expect(reference.mismatch_bf16_count).toBe(reference.expected_count);
  });

  it("loads in transformers with the GGUF model's logits, tied embeddings", () => {
    expect(reference.tied).toBe(true);
    expect(reference.logit_difference).toBeLessThanOrEqual(1e-4);
  });

  it("writes a tokenizer that encodes to transformers' GGUF tokenizer's ids, with its chat template and special tokens", () => {
    expect(reference.token_count).toBeGreaterThan(500);
    expect(reference.ids_equal).toBe(true);
    expect(reference.template_equal).toBe(true);
    expect(reference.special).toEqual(["<|im_start|>", "<|im_end|>", "<|im_end|>", true]);
  });

  it("writes a tokenizer graft's own encoder reads to the same ids", async () => {
    const tokenizer = await loadTokenizer(f32);
    expect(tokenizer.encode(text)).toEqual(reference.ids);
    expect(tokenizer.specialTokens.eos?.content).toBe("<|im_end|>");
  });

  it("reports progress events keyed type, and leaves no temporary directory", () => {
    expect(events[0]).toMatchObject({ type: "start", architecture: "llama", tensors: 272, dtype: "f32" });
    expect(events.filter((event) => event.type === "tensor")).toHaveLength(272);
    expect(events.at(-1)).toMatchObject({ type: "done" });
    expect(existsSync(join(f32, "model.safetensors"))).toBe(true);
  });
});

import { importGguf } from "@graft/gguf";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

const DTYPES = ["bf16", "f32"] as const;

export const importGgufCommand: CommandDefinition = {
  name: "import gguf",
  summary: "turn a GGUF model (llama.cpp's format) into a Hugging Face model directory: safetensors, config, tokenizer, chat template",
  usage: "FILE --out DIR [--dtype bf16|f32] [--overwrite]",
  description:
    "Reads a Llama-architecture GGUF (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K or Q6_K tensors), dequantizes every tensor to float32\n" +
    "exactly as transformers' GGUF loader does (q/k rows back in transformers' rotary order) and stores it as --dtype safetensors,\n" +
    "one tensor at a time. Writes config.json (LlamaForCausalLM), tokenizer.json rebuilt from the file's byte-level BPE vocabulary,\n" +
    "tokenizer_config.json with the chat template, and generation_config.json, into a temporary directory renamed into place.\n" +
    "Other architectures, SentencePiece tokenizers and other tensor types are refused with the reason.",
  allowPositionals: true,
  options: {
    out: { type: "string", placeholder: "DIR", description: "output model directory" },
    dtype: {
      type: "string",
      placeholder: "bf16|f32",
      default: "bf16",
      description: "stored dtype of the weights (bf16: the dequantized values rounded to nearest even)",
    },
    overwrite: { type: "boolean", description: "replace an existing output directory" },
  },
  examples: [
    "graft import gguf models/SmolLM2-135M-Instruct.Q4_1.gguf --out models/smollm2-135m-instruct",
    "graft import gguf models/SmolLM2-135M-Instruct.Q4_1.gguf --out models/smollm2-f32 --dtype f32 --json",
  ],
  async run({ values, positionals }, context) {
    const options = new OptionReader("import gguf", { ...values, FILE: positionals });
    options.require("FILE", "out");
    const files = options.strings("FILE");
    if (files.length > 1) throw options.error(`takes one FILE, got ${files.length}: ${files.join(" ")}`);
    const dtype = options.choice("dtype", DTYPES) ?? "bf16";
    const result = await importGguf({
      file: files[0],
      out: options.requiredString("out"),
      dtype,
      overwrite: options.flag("overwrite"),
      onEvent: (event) => {
        if (context.json) {
          context.stdout.write(`${JSON.stringify(event)}\n`);
          return;
        }
        if (event.type === "start") context.stderr.write(`importing ${event.file} (${event.architecture}, ${event.tensors} tensors) as ${event.dtype}\n`);
        else if (event.type === "tensor" && (event.done % 20 === 0 || event.done === event.total))
          context.stderr.write(`  ${event.done}/${event.total} tensors\n`);
      },
    });
    if (!context.json) context.stdout.write(`wrote ${result.path} (${result.tensors} tensors, ${dtype})\n`);
    return 0;
  },
};

import { exportGguf, GGUF_EXPORT_TYPES } from "@graft/gguf";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

export const exportGgufCommand: CommandDefinition = {
  name: "export gguf",
  summary: "export a Llama/Mistral/Qwen2 model directory to one GGUF file (llama.cpp, Ollama, LM Studio), extended tokenizers included",
  usage: "--model DIR --out FILE [--type f32|f16|bf16|q8_0] [--overwrite]",
  description:
    "Writes a GGUF v3 file llama.cpp loads as it is: the architecture's metadata, the byte-level BPE tokenizer (tokens, merges, token types,\n" +
    "bos/eos/eot/pad ids, add_bos_token, the chat template) with tokenizer.ggml.pre named from the tokenizer's own pre-tokenizer, so an\n" +
    "extended vocabulary needs no hash lookup; tied heads stay tied and padded vocabularies keep their rows as unused tokens. Matrices are\n" +
    "stored as --type (q8_0: rows that are not whole blocks of 32 fall back to f16, as llama.cpp's converter does), norms and biases as f32.\n" +
    "Tensors are streamed one piece at a time into a temporary file renamed into place. SentencePiece tokenizers and Gemma are refused.",
  options: {
    model: { type: "string", placeholder: "DIR", description: "Hugging Face model directory (config.json, safetensors, tokenizer.json)" },
    out: { type: "string", placeholder: "FILE", description: "the .gguf file to write" },
    type: { type: "string", placeholder: "f32|f16|bf16|q8_0", default: "f16", description: "stored type of the weight matrices" },
    overwrite: { type: "boolean", description: "replace an existing output file" },
  },
  examples: [
    "graft export gguf --model runs/ru-adapted --out runs/ru-adapted.f16.gguf",
    "graft export gguf --model runs/ru-adapted --out runs/ru-adapted.q8_0.gguf --type q8_0 --json",
  ],
  async run({ values }, context) {
    const options = new OptionReader("export gguf", values);
    options.require("model", "out");
    const type = options.choice("type", GGUF_EXPORT_TYPES) ?? "f16";
    const result = await exportGguf({
      model: options.requiredString("model"),
      out: options.requiredString("out"),
      type,
      overwrite: options.flag("overwrite"),
      onEvent: (event) => {
        if (context.json) {
          context.stdout.write(`${JSON.stringify(event)}\n`);
          return;
        }
        if (event.type === "start")
          context.stderr.write(
            `exporting ${event.model} (${event.architecture}, ${event.tensors} tensors, ${event.tokens} tokens, pre-tokenizer ${event.preTokenizer}) as ${event.outputType}\n`,
          );
        else if (event.type === "warning") context.stderr.write(`warning: ${event.message}\n`);
        else if (event.type === "tensor" && (event.done % 20 === 0 || event.done === event.total))
          context.stderr.write(`  ${event.done}/${event.total} tensors\n`);
      },
    });
    if (!context.json)
      context.stdout.write(`wrote ${result.path} (${result.tensors} tensors, ${(result.bytes / 2 ** 20).toFixed(1)} MiB of tensor data, ${type})\n`);
    return 0;
  },
};

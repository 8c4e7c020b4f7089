import { DEFAULT_EXPORT_OPERATORS, EXPORT_OPERATORS, exportOnnx } from "@graft/eval";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

export const exportOnnxCommand: CommandDefinition = {
  name: "export onnx",
  summary: "export a Llama/Mistral/Qwen2 model directory to ONNX (KV cache, float32) for onnxruntime and transformers.js",
  usage: "--model DIR --out DIR [--operators standard|ort-contrib] [--overwrite]",
  description:
    "--operators picks the graph's operator set. standard: ONNX opset-17 operators only, for any ONNX runtime (transformers.js included). " +
    "ort-contrib: ONNX Runtime's fused contrib operators (SimplifiedLayerNormalization, SkipSimplifiedLayerNormalization, RotaryEmbedding, GroupQueryAttention); " +
    "onnxruntime only, positions up to the model's max_position_embeddings, and a batch that continues a cache with several tokens runs row by row. " +
    "Measured on an idle 2-core CPU (packages/eval/README.md, bench eval-decode): ort-contrib decodes 1.04-1.11x and prefills 1.08-1.33x as fast as standard; " +
    "standard stays the default because it runs everywhere (transformers.js, any ONNX runtime) and has no position limit.",
  options: {
    model: { type: "string", placeholder: "DIR", description: "Hugging Face model directory (config.json + safetensors)" },
    out: { type: "string", placeholder: "DIR", description: "output directory: onnx/model.onnx (+ model.onnx_data), config and tokenizer files" },
    operators: {
      type: "string",
      placeholder: "standard|ort-contrib",
      default: DEFAULT_EXPORT_OPERATORS,
      description: "standard (any ONNX runtime) or ort-contrib (ONNX Runtime only, fused operators: about 1.1x faster on CPU)",
    },
    overwrite: { type: "boolean", description: "replace an existing output directory" },
  },
  examples: [
    "graft export onnx --model runs/ru-adapted --out runs/ru-adapted-onnx",
    "graft export onnx --model runs/ru-adapted --out runs/ru-adapted-onnx-ort --operators ort-contrib",
  ],
  async run({ values }, context) {
    const options = new OptionReader("export onnx", values);
    options.require("model", "out");
    const operators = options.choice("operators", EXPORT_OPERATORS) ?? DEFAULT_EXPORT_OPERATORS;
    const result = await exportOnnx({
      model: options.requiredString("model"),
      out: options.requiredString("out"),
      operators,
      overwrite: options.flag("overwrite"),
      onProgress: (event) => (context.json ? context.stdout.write(`${JSON.stringify(event)}\n`) : context.stderr.write(`${event.step}\n`)),
    });
    if (context.json) context.stdout.write(`${JSON.stringify({ type: "export-done", ...result })}\n`);
    else
      context.stdout.write(
        `wrote ${result.modelPath} (${result.nodeCount} nodes, ${(result.weightBytes / 2 ** 20).toFixed(1)} MiB of weights, ${result.operators} operators${result.externalDataPath ? `, external data ${result.externalDataPath}` : ""})\n`,
      );
    return 0;
  },
};

import { exportOnnx } from "@graft/eval";
import { GraftError } from "@graft/hf";
import type { CommandDefinition } from "../command.js";

export const exportOnnxCommand: CommandDefinition = {
  name: "export onnx",
  summary: "export a Llama/Mistral/Qwen2 model directory to ONNX (KV cache, float32) for onnxruntime and transformers.js",
  usage: "--model DIR --out DIR [--overwrite]",
  options: {
    model: { type: "string", placeholder: "DIR", description: "Hugging Face model directory (config.json + safetensors)" },
    out: { type: "string", placeholder: "DIR", description: "output directory: onnx/model.onnx (+ model.onnx_data), config and tokenizer files" },
    overwrite: { type: "boolean", description: "replace an existing output directory" },
  },
  examples: ["graft export onnx --model runs/ru-adapted --out runs/ru-adapted-onnx"],
  async run({ values }, context) {
    const model = values.model as string | undefined;
    const out = values.out as string | undefined;
    const missing = ["model", "out"].filter((name) => !values[name]);
    if (!model || !out) throw new GraftError({ name: "UsageError", message: `missing ${missing.map((name) => `--${name}`).join(", ")}; see graft export onnx --help` });
    const result = await exportOnnx({
      model,
      out,
      overwrite: Boolean(values.overwrite),
      onProgress: (event) => (context.json ? context.stdout.write(`${JSON.stringify(event)}\n`) : context.stderr.write(`${event.step}\n`)),
    });
    if (context.json) context.stdout.write(`${JSON.stringify({ event: "export-done", ...result })}\n`);
    else context.stdout.write(`wrote ${result.modelPath} (${result.nodeCount} nodes, ${(result.weightBytes / 2 ** 20).toFixed(1)} MiB of weights${result.externalDataPath ? `, external data ${result.externalDataPath}` : ""})\n`);
    return 0;
  },
};

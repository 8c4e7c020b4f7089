import { existsSync } from "node:fs";
import { copyFile, mkdir, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { atomicOutputDirectory, loadModelDirectory } from "@graft/hf";
import { encodeOnnxModel, type InitializerPlacement } from "@graft/onnx";
import { toFloat32 } from "@graft/safetensors";
import { DEFAULT_EXPORT_OPERATORS, EXPORT_METADATA_FILE, EXPORT_OPERATORS, type ExportOperators, isExportOperators } from "./export-operators.js";
import { ExportOptionError } from "./export-option-error.js";
import { buildLlamaDecoderGraph } from "./llama-decoder-graph.js";
import { UnsupportedArchitectureError } from "./unsupported-architecture-error.js";

/** Architectures the exporter builds a graph for. */
export const SUPPORTED_EXPORT_ARCHITECTURES = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"] as const;

/**
 * Above this many weight bytes the initializers go to `model.onnx_data` (protobuf messages are
 * limited to 2 GiB, and transformers.js loads external data without copying it into the proto).
 */
export const DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES = 256 * 1024 * 1024;

/** Smaller tensors (shape constants) stay inline: ONNX shape inference must read them (onnx's own size_threshold). */
const MIN_EXTERNAL_TENSOR_BYTES = 1024;

/** Files copied next to the ONNX model so transformers.js / optimum can load the directory. */
const COPIED_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "chat_template.jinja"];

export interface ExportOnnxOptions {
  model: string;
  out: string;
  overwrite?: boolean;
  /** Weight bytes above which initializers are written as external data. */
  externalDataThresholdBytes?: number;
  /**
   * `"standard"` (ONNX opset-17 operators, any runtime) or `"ort-contrib"` (ONNX Runtime's fused
   * RMSNorm / rotary / grouped-query attention operators; onnxruntime only). Default
   * `DEFAULT_EXPORT_OPERATORS`.
   */
  operators?: ExportOperators;
  onProgress?: (event: { type: "export-progress"; step: string }) => void;
}

export interface ExportOnnxResult {
  modelPath: string;
  externalDataPath?: string;
  nodeCount: number;
  operators: ExportOperators;
  weightBytes: number;
  /** Bytes written to the external data file (0 when inline). */
  externalBytes: number;
}

/**
 * Exports an HF Llama/Mistral/Qwen2 directory to `out/onnx/model.onnx` with a KV cache (float32),
 * and `out/graft-export.json` naming the operator set.
 */
export async function exportOnnx(options: ExportOnnxOptions): Promise<ExportOnnxResult> {
  const operators = options.operators ?? DEFAULT_EXPORT_OPERATORS;
  if (!isExportOperators(operators)) throw new ExportOptionError({ option: "operators", value: operators, allowed: EXPORT_OPERATORS });
  const configPath = join(options.model, "config.json");
  // loadModelDirectory throws its typed ModelDirectoryError (with the fix) for a missing config.json.
  if (!existsSync(configPath)) await loadModelDirectory(options.model);
  const rawConfig = JSON.parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
  const architecture = ((rawConfig.architectures as string[] | undefined) ?? [String(rawConfig.model_type)])[0]!;
  if (!(SUPPORTED_EXPORT_ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new UnsupportedArchitectureError({ architecture, path: options.model, supported: SUPPORTED_EXPORT_ARCHITECTURES });
  }
  const directory = await loadModelDirectory(options.model);
  options.onProgress?.({ type: "export-progress", step: "building graph" });
  const weights = directory.weights;
  const names = new Set(weights.tensorNames());
  const version = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")).version as string;
  const graph = await buildLlamaDecoderGraph(
    directory.config,
    {
      has: (name) => names.has(name),
      get: async (name) => {
        const tensor = await weights.readTensor(name);
        return { values: toFloat32(tensor), shape: tensor.shape };
      },
    },
    version,
    { operators, configPath },
  );
  await weights.close();
  const weightBytes = graph.initializers.reduce((total, initializer) => total + initializer.data.length, 0);
  const external = weightBytes > (options.externalDataThresholdBytes ?? DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES);
  let result: ExportOnnxResult | undefined;

  await atomicOutputDirectory(
    options.out,
    async (temporary) => {
      await mkdir(join(temporary, "onnx"));
      const modelPath = join(temporary, "onnx", "model.onnx");
      const dataName = "model.onnx_data";
      let placements: InitializerPlacement[];
      if (external) {
        options.onProgress?.({ type: "export-progress", step: "writing external data" });
        const handle = await open(join(temporary, "onnx", dataName), "w");
        let offset = 0;
        placements = [];
        try {
          for (const initializer of graph.initializers) {
            if (initializer.data.length < MIN_EXTERNAL_TENSOR_BYTES) {
              placements.push({ kind: "inline" });
              continue;
            }
            await handle.write(initializer.data);
            placements.push({ kind: "external", location: dataName, offset });
            offset += initializer.data.length;
          }
        } finally {
          await handle.close();
        }
      } else {
        placements = graph.initializers.map(() => ({ kind: "inline" }));
      }
      await writeFile(modelPath, encodeOnnxModel(graph, placements));
      const config = { ...rawConfig, ...(external ? { "transformers.js_config": { use_external_data_format: true } } : {}) };
      await writeFile(join(temporary, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
      const metadata = { operators, opset: graph.opsetVersion, producer: `graft ${version}` };
      await writeFile(join(temporary, EXPORT_METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
      for (const file of COPIED_FILES) {
        if (existsSync(join(options.model, file))) await copyFile(join(options.model, file), join(temporary, file));
      }
      result = {
        modelPath: join(options.out, "onnx", "model.onnx"),
        externalDataPath: external ? join(options.out, "onnx", dataName) : undefined,
        nodeCount: graph.nodes.length,
        operators,
        weightBytes,
        externalBytes: placements.reduce((total, placement, index) => total + (placement.kind === "external" ? graph.initializers[index]!.data.length : 0), 0),
      };
    },
    { overwrite: options.overwrite, inputs: [options.model] },
  );
  return result!;
}

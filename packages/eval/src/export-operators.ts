/**
 * Which operator set the ONNX exporter emits:
 * - `standard`: ONNX opset-17 operators only (any ONNX runtime);
 * - `ort-contrib`: ONNX Runtime's fused operators (`SimplifiedLayerNormalization`,
 *   `com.microsoft.SkipSimplifiedLayerNormalization`, `com.microsoft.RotaryEmbedding`,
 *   `com.microsoft.GroupQueryAttention`): ONNX Runtime only.
 */
export const EXPORT_OPERATORS = ["standard", "ort-contrib"] as const;
export type ExportOperators = (typeof EXPORT_OPERATORS)[number];

export function isExportOperators(value: unknown): value is ExportOperators {
  return typeof value === "string" && (EXPORT_OPERATORS as readonly string[]).includes(value);
}

/** What `exportOnnx` emits without an `operators` option (the faster decode, as measured in the README). */
export const DEFAULT_EXPORT_OPERATORS: ExportOperators = "standard";

/** Written next to the export (`graft-export.json`): how the graph was built. */
export const EXPORT_METADATA_FILE = "graft-export.json";

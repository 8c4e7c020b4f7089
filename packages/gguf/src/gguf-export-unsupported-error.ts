import { GraftError } from "@graft/errors";

const marker = "graft.error.GgufExportUnsupportedError";
const symbol = Symbol.for(marker);

/** What of a model the GGUF export can refuse, and the file that says it. */
export type GgufExportFeature = "architecture" | "tokenizer" | "pre-tokenizer" | "normalizer" | "rope" | "type";

const WHERE: Record<GgufExportFeature, string> = {
  architecture: "config.json model_type",
  tokenizer: "tokenizer.json model",
  "pre-tokenizer": "tokenizer.json pre_tokenizer",
  normalizer: "tokenizer.json normalizer",
  rope: "config.json RoPE parameters",
  type: "the output type",
};

/**
 * A model the GGUF export cannot write so that llama.cpp runs it as transformers does: an
 * architecture, tokenizer model, pre-tokenizer, normalizer or RoPE variant it has no mapping for,
 * or an output type it does not write. Nothing is written.
 */
export class GgufExportUnsupportedError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly feature: GgufExportFeature;
  readonly value: string;
  readonly supported: readonly string[];

  constructor({
    path,
    feature,
    value,
    supported,
    hint,
  }: { path: string; feature: GgufExportFeature; value: string; supported: readonly string[]; hint?: string }) {
    super({
      name: "GgufExportUnsupportedError",
      message: `${path}: ${WHERE[feature]} is ${value}; graft's GGUF export writes ${supported.join(", ")}${hint ? `: ${hint}` : ""}. Nothing was written.`,
    });
    this.path = path;
    this.feature = feature;
    this.value = value;
    this.supported = supported;
  }

  static override isInstance(error: unknown): error is GgufExportUnsupportedError {
    return GraftError.hasMarker(error, marker);
  }
}

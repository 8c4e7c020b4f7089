// The shape of report.json: what evaluateModels measures and renderReportHtml draws.
import type { LanguageIdentifier } from "@graft/corpus";
import type { GenerationSpeed } from "./generation-speed.js";
import type { AlignmentResult } from "./language-alignment.js";
import type { PythonModelOptions } from "./python-causal-model.js";
import type { RateInterval } from "./wilson-interval.js";

export type EvaluationBackend = "onnx" | "python";

export interface EvaluateModelsOptions {
  models: string[];
  /** Labels for the report, one per model (default: the directories' names). */
  names?: string[];
  language: string;
  heldout: string;
  englishHeldout?: string;
  tasks: string[];
  /** Prompt JSONL files (one language each, `prompt` + `lang`): language alignment through each model's chat template. */
  prompts?: string[];
  /** Prompts used per file (default 200; "all": every prompt of the file). */
  alignmentPrompts?: number | "all";
  /** Prompts generated together in the alignment measurement (default 16; the replies do not depend on it). */
  generationBatchSize?: number;
  out: string;
  overwrite?: boolean;
  heldoutCharacters?: number;
  /** "onnx" (default: export, then onnxruntime-node on the CPU) or "python" (transformers, GPU when there is one). */
  backend?: EvaluationBackend;
  /** Settings of the Python backend (device, dtype, interpreter). */
  python?: Omit<PythonModelOptions, "threads">;
  threads?: number;
  /** Tokens of the free greedy generation in the speed measurement (default 64). */
  speedNewTokens?: number;
  /** The language identifier for alignment (default: fastText lid.176 from @graft/corpus). */
  identifyLanguage?: LanguageIdentifier;
  onProgress?: (event: { type: "eval-progress"; model: string; step: string }) => void;
}

export interface TokenizerEfficiencyMetrics {
  charactersPerToken: number;
  tokensPerWord: number;
  bytesPerToken: number;
  /** Share of tokens that stand for bytes (byte fallback, partial UTF-8). */
  byteTokenShare: number;
}

export interface ModelMetrics {
  model: string;
  name: string;
  backend: EvaluationBackend;
  vocabularySize: number;
  /** Characters per token on the target-language held-out text (also in `efficiency`). */
  charactersPerToken: number;
  /** Per held-out language. */
  efficiency: Record<string, TokenizerEfficiencyMetrics>;
  bitsPerCharacter: Record<string, number>;
  /** Accuracy per task file, with its 95% Wilson interval. */
  multipleChoice: Record<string, { accuracy: number; count: number; interval: RateInterval }>;
  speed: GenerationSpeed & { language: string };
  /** Per prompt language; absent when no prompts were given or the model has no chat template. */
  alignment?: Record<string, AlignmentResult>;
}

export interface EvaluationReport {
  created: string;
  versions: Record<string, string>;
  configuration: Omit<EvaluateModelsOptions, "onProgress" | "out" | "overwrite" | "identifyLanguage" | "python"> & { python?: Omit<PythonModelOptions, "env"> };
  models: ModelMetrics[];
}

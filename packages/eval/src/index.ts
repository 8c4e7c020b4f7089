// Public surface of @graft/eval: every export is named here.

export { type BitsPerCharacterOptions, type BitsPerCharacterResult, bitsPerCharacter } from "./bits-per-character.js";
export type { CausalLanguageModel, ForwardInput, ForwardResult, KeyValueCache } from "./causal-language-model.js";
export { type ChatRepliesOptions, type ChatReplyOptions, chatReplies, chatReply, stopTokenIdsOf } from "./chat-reply.js";
export { DEFAULT_ALIGNMENT_PROMPTS, evaluateModels } from "./evaluate-models.js";
export type { EvaluateModelsOptions, EvaluationBackend, EvaluationReport, ModelMetrics, TokenizerEfficiencyMetrics } from "./evaluation-report.js";
export { type ExportOnnxOptions, type ExportOnnxResult, exportOnnx, SUPPORTED_EXPORT_ARCHITECTURES } from "./export-onnx.js";
export { DEFAULT_EXPORT_OPERATORS, EXPORT_METADATA_FILE, EXPORT_OPERATORS, type ExportOperators, isExportOperators } from "./export-operators.js";
export { ExportOptionError } from "./export-option-error.js";
export { type GenerateOptions, type GenerateResult, generate } from "./generate.js";
export { DEFAULT_GENERATION_BATCH_SIZE, type GenerateBatchOptions, generateBatch } from "./generate-batch.js";
export { type GenerationSpeed, generationSpeed } from "./generation-speed.js";
export { type AlignmentResult, languageAlignment, type PromptSet, readPromptSet } from "./language-alignment.js";
export { type MultipleChoiceResult, type MultipleChoiceTask, multipleChoiceAccuracy, readMultipleChoiceTasks } from "./multiple-choice.js";
export { OnnxCausalModel, type OnnxKeyValueCache } from "./onnx-causal-model.js";
export { PromptFileError } from "./prompt-file-error.js";
export { PythonBackendError } from "./python-backend-error.js";
export { PythonCausalModel, type PythonModelOptions } from "./python-causal-model.js";
export { renderReportHtml } from "./render-report-html.js";
export { ReportFileError } from "./report-file-error.js";
export { REPORT_TABLE_END, REPORT_TABLE_START, replaceReportTable, reportTable } from "./report-table.js";
export { type ContinuationScore, type ScoreRequest, scoreContinuations } from "./score-continuations.js";
export { TaskFileError } from "./task-file-error.js";
export { UnsupportedArchitectureError } from "./unsupported-architecture-error.js";
export { formatRateInterval, type RateInterval, wilsonInterval } from "./wilson-interval.js";

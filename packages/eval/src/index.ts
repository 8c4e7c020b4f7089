// Public surface of @graft/eval: every export is named here.
export { exportOnnx, SUPPORTED_EXPORT_ARCHITECTURES, DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES, type ExportOnnxOptions, type ExportOnnxResult } from "./export-onnx.js";
export { buildLlamaDecoderGraph, ropeInverseFrequencies, ONNX_OPSET_VERSION, type DecoderWeights } from "./llama-decoder-graph.js";
export { encodeOnnxModel, OnnxDataType, type OnnxModel, type OnnxNode, type OnnxInitializer, type OnnxValueInfo, type InitializerPlacement } from "./onnx-graph.js";
export { ProtobufWriter } from "./protobuf-writer.js";
export { createInferenceSession, int64Tensor, float32Tensor, type InferenceSession, type SessionTensor, type SessionFeeds, type SessionOptions } from "./onnx-session.js";
export { OnnxCausalModel, type KeyValueCache, type ForwardInput, type ForwardResult } from "./onnx-causal-model.js";
export { generate, pickToken, type GenerateOptions, type GenerateResult } from "./generate.js";
export { UnsupportedArchitectureError } from "./unsupported-architecture-error.js";
export { scoreContinuations, logProbability, DEFAULT_SCORE_BATCH_SIZE, type ScoreRequest, type ContinuationScore } from "./score-continuations.js";
export { bitsPerCharacter, DEFAULT_PERPLEXITY_WINDOW, type BitsPerCharacterOptions, type BitsPerCharacterResult } from "./bits-per-character.js";
export { readMultipleChoiceTasks, multipleChoiceAccuracy, type MultipleChoiceTask, type MultipleChoiceResult } from "./multiple-choice.js";
export { TaskFileError } from "./task-file-error.js";
export { evaluateModels, DEFAULT_HELDOUT_CHARACTERS, SPEED_NEW_TOKENS, type EvaluateModelsOptions, type EvaluationReport, type ModelMetrics } from "./evaluate-models.js";
export { renderReportHtml } from "./render-report-html.js";
export { chatReply, stopTokenIdsOf, type ChatReplyOptions } from "./chat-reply.js";
export { languageAlignment, readPromptSet, type AlignmentResult, type PromptSet } from "./language-alignment.js";

// Public surface of @graft/onnx: every export is named here.

export { GraphBuilder } from "./graph-builder.js";
export {
  type AttributeValue,
  encodeOnnxModel,
  type InitializerPlacement,
  OnnxDataType,
  type OnnxDataTypeValue,
  type OnnxInitializer,
  type OnnxModel,
  type OnnxNode,
  type OnnxValueInfo,
} from "./onnx-graph.js";
export {
  createInferenceSession,
  float32Tensor,
  float64Tensor,
  type InferenceSession,
  int64Tensor,
  onnxRuntimeVersion,
  type SessionFeeds,
  type SessionOptions,
  type SessionTensor,
} from "./onnx-session.js";
export { batchRow, concatBatchRows } from "./session-tensor-batch.js";

// Public surface of @graft/onnx: every export is named here.
export {
  encodeOnnxModel,
  OnnxDataType,
  type OnnxDataTypeValue,
  type AttributeValue,
  type OnnxModel,
  type OnnxNode,
  type OnnxInitializer,
  type OnnxValueInfo,
  type InitializerPlacement,
} from "./onnx-graph.js";
export { GraphBuilder } from "./graph-builder.js";
export {
  createInferenceSession,
  onnxRuntimeVersion,
  int64Tensor,
  float32Tensor,
  float64Tensor,
  type InferenceSession,
  type SessionTensor,
  type SessionFeeds,
  type SessionOptions,
} from "./onnx-session.js";
export { batchRow, concatBatchRows } from "./session-tensor-batch.js";

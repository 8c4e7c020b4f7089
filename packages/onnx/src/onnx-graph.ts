import { ProtobufWriter } from "./protobuf-writer.js";

/** ONNX TensorProto.DataType values used by the exporter. */
export const OnnxDataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
export type OnnxDataTypeValue = (typeof OnnxDataType)[keyof typeof OnnxDataType];

export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxInitializer {
  name: string;
  dataType: OnnxDataTypeValue;
  dims: number[];
  data: Uint8Array;
}

export interface OnnxValueInfo {
  name: string;
  dataType: OnnxDataTypeValue;
  /** A number for a fixed size, a string for a symbolic one (`batch_size`). */
  shape: (number | string)[];
}

export interface OnnxModel {
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  opsetVersion: number;
  producerVersion: string;
}

/** IR version 8 pairs with opset 17 (onnx 1.12+). */
const IR_VERSION = 8;

function attribute(name: string, value: AttributeValue): ProtobufWriter {
  const writer = new ProtobufWriter().string(1, name);
  if (typeof value === "number") return writer.int(3, value).int(20, 2);
  if (typeof value === "string") return writer.string(4, value).int(20, 3);
  if (Array.isArray(value)) {
    for (const item of value) writer.int(8, item);
    return writer.int(20, 7);
  }
  if ("float" in value) return writer.float(2, value.float).int(20, 1);
  for (const item of value.floats) writer.float(7, item);
  return writer.int(20, 6);
}

function valueInfo(info: OnnxValueInfo): ProtobufWriter {
  const shape = new ProtobufWriter();
  for (const dim of info.shape) {
    shape.message(1, typeof dim === "number" ? new ProtobufWriter().int(1, dim) : new ProtobufWriter().string(2, dim));
  }
  const tensorType = new ProtobufWriter().int(1, info.dataType).message(2, shape);
  return new ProtobufWriter().string(1, info.name).message(2, new ProtobufWriter().message(1, tensorType));
}

/** Where an initializer's bytes go: inline (`raw_data`) or at an offset of the external data file. */
export type InitializerPlacement = { kind: "inline" } | { kind: "external"; location: string; offset: number };

function tensor(initializer: OnnxInitializer, placement: InitializerPlacement): ProtobufWriter {
  const writer = new ProtobufWriter();
  for (const dim of initializer.dims) writer.int(1, dim);
  writer.int(2, initializer.dataType).string(8, initializer.name);
  if (placement.kind === "inline") return writer.bytes(9, initializer.data);
  const entry = (key: string, value: string) => new ProtobufWriter().string(1, key).string(2, value);
  writer.message(13, entry("location", placement.location));
  writer.message(13, entry("offset", String(placement.offset)));
  writer.message(13, entry("length", String(initializer.data.length)));
  return writer.int(14, 1);
}

/** Serialises a ModelProto; `placements[i]` says where initializer i's bytes go. */
export function encodeOnnxModel(model: OnnxModel, placements: InitializerPlacement[]): Uint8Array {
  const graph = new ProtobufWriter();
  for (const node of model.nodes) {
    const writer = new ProtobufWriter();
    for (const input of node.inputs) writer.string(1, input);
    for (const output of node.outputs) writer.string(2, output);
    writer.string(3, node.name).string(4, node.opType);
    for (const [name, value] of Object.entries(node.attributes ?? {})) writer.message(5, attribute(name, value));
    if (node.domain) writer.string(7, node.domain);
    graph.message(1, writer);
  }
  graph.string(2, "graft_decoder");
  for (const [index, initializer] of model.initializers.entries()) graph.message(5, tensor(initializer, placements[index]!));
  for (const input of model.inputs) graph.message(11, valueInfo(input));
  for (const output of model.outputs) graph.message(12, valueInfo(output));
  const opsets = [new ProtobufWriter().string(1, "").int(2, model.opsetVersion), new ProtobufWriter().string(1, "com.microsoft").int(2, 1)];
  const writer = new ProtobufWriter().int(1, IR_VERSION).string(2, "graft").string(3, model.producerVersion).message(7, graph);
  for (const opset of opsets) writer.message(8, opset);
  return writer.finish();
}

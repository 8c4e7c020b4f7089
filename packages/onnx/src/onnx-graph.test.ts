import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runPythonJson, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphBuilder } from "./graph-builder.js";
import { encodeOnnxModel, type InitializerPlacement, OnnxDataType, type OnnxModel } from "./onnx-graph.js";
import { createInferenceSession, float32Tensor, float64Tensor, int64Tensor, type SessionFeeds } from "./onnx-session.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

/** One graph that uses every attribute kind, shared constants, both multi-output forms and all three tensor types. */
function sampleModel(): OnnxModel {
  const b = new GraphBuilder();
  const weights = b.initializer("w", OnnxDataType.FLOAT, [4, 3], new Uint8Array(Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]).buffer));
  const projected = b.op("Gemm", ["x", weights], { alpha: { float: 0.5 }, transB: 1 });
  const reshaped = b.op("Reshape", [projected, b.int64([-1, 2, 2])]);
  const transposed = b.op("Transpose", [reshaped], { perm: [0, 2, 1] });
  b.op("Add", [transposed, b.float([1], true)], undefined, "sum");
  // CRD, not the default DCR: the result shows whether the string attribute was read.
  b.op("DepthToSpace", ["z"], { blocksize: 2, mode: "CRD" }, "d2s");
  const constant = b.op("Constant", [], { value_floats: { floats: [10, 20, 30] } });
  b.multi("Split", [constant, b.int64([1, 2])], 2, { axis: 0 }, { names: ["first", undefined] });
  b.op("Gather", [constant, "idx"], { axis: 0 }, "picked");
  b.multi("Dropout", [constant], 2, undefined, { used: [true, false], names: ["kept"] });
  b.op("Mul", ["v", "v"], undefined, "square");
  b.op("Shape", ["x"], undefined, "shape");
  return {
    nodes: b.nodes,
    initializers: b.initializers,
    inputs: [
      { name: "x", dataType: OnnxDataType.FLOAT, shape: ["batch", 3] },
      { name: "z", dataType: OnnxDataType.FLOAT, shape: [1, 8, 1, 1] },
      { name: "idx", dataType: OnnxDataType.INT64, shape: [2] },
      { name: "v", dataType: OnnxDataType.DOUBLE, shape: [2] },
    ],
    outputs: [
      { name: "sum", dataType: OnnxDataType.FLOAT, shape: ["batch", 2, 2] },
      { name: "d2s", dataType: OnnxDataType.FLOAT, shape: [1, 2, 2, 2] },
      { name: "first", dataType: OnnxDataType.FLOAT, shape: [1] },
      { name: "picked", dataType: OnnxDataType.FLOAT, shape: [2] },
      { name: "kept", dataType: OnnxDataType.FLOAT, shape: [3] },
      { name: "square", dataType: OnnxDataType.DOUBLE, shape: [2] },
      { name: "shape", dataType: OnnxDataType.INT64, shape: [2] },
    ],
    opsetVersion: 17,
    producerVersion: "test",
  };
}

const feeds: SessionFeeds = {
  x: float32Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
  z: float32Tensor(Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), [1, 8, 1, 1]),
  idx: int64Tensor([2, 0], [2]),
  v: float64Tensor(Float64Array.from([1.5, -2]), [2]),
};

/** Worked by hand: 0.5 x wᵀ = [[0.5, 1, 1.5, 3], [2, 2.5, 3, 7.5]], as [2, 2, 2], last two axes swapped, plus 1. */
const expected = {
  sum: { dims: [2, 2, 2], data: [1.5, 2.5, 2, 4, 3, 4, 3.5, 8.5] },
  d2s: { dims: [1, 2, 2, 2], data: [0, 1, 2, 3, 4, 5, 6, 7] },
  first: { dims: [1], data: [10] },
  picked: { dims: [2], data: [30, 10] },
  kept: { dims: [3], data: [10, 20, 30] },
  square: { dims: [2], data: [2.25, 4] },
  shape: { dims: [2], data: [2n, 3n] },
};

let model: OnnxModel;
let externalPath: string;

beforeAll(async () => {
  model = sampleModel();
  // The weights at a non-zero offset of the data file; the shape constants inline (onnx's shape
  // inference, run by the full check, reads only inline tensors).
  const padding = new Uint8Array(16);
  const placements: InitializerPlacement[] = model.initializers.map((initializer) =>
    initializer.name === "w" ? { kind: "external", location: "sample.onnx_data", offset: padding.length } : { kind: "inline" },
  );
  externalPath = join(work.path, "sample.onnx");
  await writeFile(join(work.path, "sample.onnx_data"), Buffer.concat([padding, model.initializers.find((initializer) => initializer.name === "w")!.data]));
  await writeFile(externalPath, encodeOnnxModel(model, placements));
});

describe("GraphBuilder", () => {
  it("shares equal constants and names outputs uniquely", () => {
    const b = new GraphBuilder();
    expect(b.int64([1, 2])).toBe(b.int64([1, 2]));
    expect(b.int64([1], true)).not.toBe(b.int64([1]));
    expect(b.float([1])).not.toBe(b.int64([1]));
    expect(b.initializers).toHaveLength(4);
    const [first, second] = [b.op("Relu", ["a"]), b.op("Relu", ["a"])];
    expect(first).not.toBe(second);
    expect(b.multi("Dropout", ["a"], 2, undefined, { used: [true, false] })[1]).toBe("");
  });
});

describe("encodeOnnxModel", () => {
  it.each(["inline", "external"] as const)("runs on onnxruntime-node with %s initializers", async (kind) => {
    const source =
      kind === "inline"
        ? encodeOnnxModel(
            model,
            model.initializers.map(() => ({ kind: "inline" })),
          )
        : externalPath;
    const session = await createInferenceSession(source, { threads: 1 });
    try {
      expect([...session.inputNames].sort()).toEqual(["idx", "v", "x", "z"]);
      expect([...session.outputNames].sort()).toEqual(Object.keys(expected).sort());
      const results = await session.run(feeds);
      for (const [name, { dims, data }] of Object.entries(expected)) {
        expect({ name, dims: [...results[name]!.dims], data: [...results[name]!.data] }).toEqual({ name, dims, data });
      }
      expect(results.square!.type).toBe("float64");
      expect(results.shape!.type).toBe("int64");
    } finally {
      await session.release();
    }
  });

  it("passes onnx.checker (full check) and reads back as built", () => {
    const read = runPythonJson<{
      irVersion: number;
      opsets: Record<string, number>;
      nodes: { op: string; inputs: string[]; outputs: string[]; attributes: Record<string, unknown> }[];
      initializers: Record<string, number[]>;
    }>(
      `
import json, sys, onnx
from onnx import helper, numpy_helper
onnx.checker.check_model(sys.argv[1], full_check=True)
model = onnx.load(sys.argv[1])
def plain(value):
    if isinstance(value, bytes): return value.decode()
    if isinstance(value, list): return [plain(item) for item in value]
    return value
print(json.dumps({
    "irVersion": model.ir_version,
    "opsets": {entry.domain: entry.version for entry in model.opset_import},
    "nodes": [{"op": node.op_type, "inputs": list(node.input), "outputs": list(node.output), "attributes": {a.name: plain(helper.get_attribute_value(a)) for a in node.attribute}} for node in model.graph.node],
    "initializers": {tensor.name: numpy_helper.to_array(tensor).flatten().tolist() for tensor in model.graph.initializer},
}))
`,
      { args: [externalPath] },
    );
    expect(read.irVersion).toBe(8);
    expect(read.opsets).toEqual({ "": 17, "com.microsoft": 1 });
    expect(read.nodes.map((node) => node.op)).toEqual(model.nodes.map((node) => node.opType));
    expect(read.nodes.map((node) => node.outputs)).toEqual(model.nodes.map((node) => node.outputs));
    const attributes = Object.fromEntries(read.nodes.filter((node) => Object.keys(node.attributes).length > 0).map((node) => [node.op, node.attributes]));
    expect(attributes).toEqual({
      Gemm: { alpha: 0.5, transB: 1 },
      Transpose: { perm: [0, 2, 1] },
      DepthToSpace: { blocksize: 2, mode: "CRD" },
      Constant: { value_floats: [10, 20, 30] },
      Split: { axis: 0 },
      Gather: { axis: 0 },
    });
    expect(read.initializers).toEqual({ w: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1], const_i64_0: [-1, 2, 2], const_f32_1: [1], const_i64_2: [1, 2] });
  });
});

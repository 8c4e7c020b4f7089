import { type AttributeValue, OnnxDataType, type OnnxDataTypeValue, type OnnxInitializer, type OnnxNode } from "./onnx-graph.js";

/** Builds ONNX nodes with unique value names; a thin helper over the node list. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private counter = 0;
  private readonly constants = new Map<string, string>();

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attributes?: Record<string, AttributeValue>, outputName?: string, domain?: string): string {
    this.counter += 1;
    const output = outputName ?? `/${opType}_${this.counter}`;
    this.nodes.push({ opType, inputs, outputs: [output], name: `${opType}_${this.counter}`, attributes, domain });
    return output;
  }

  /**
   * Adds a node with several outputs. `used[i] === false` leaves optional output i unnamed (ONNX's
   * empty name: not computed); `names[i]` names output i (a graph output).
   */
  multi(
    opType: string,
    inputs: string[],
    outputCount: number,
    attributes?: Record<string, AttributeValue>,
    options: { domain?: string; used?: readonly boolean[]; names?: readonly (string | undefined)[] } = {},
  ): string[] {
    this.counter += 1;
    const outputs = Array.from({ length: outputCount }, (_, index) =>
      options.used?.[index] === false ? "" : (options.names?.[index] ?? `/${opType}_${this.counter}_${index}`),
    );
    this.nodes.push({ opType, inputs, outputs, name: `${opType}_${this.counter}`, attributes, domain: options.domain });
    return outputs;
  }

  initializer(name: string, dataType: OnnxDataTypeValue, dims: number[], data: Uint8Array): string {
    this.initializers.push({ name, dataType, dims, data });
    return name;
  }

  /** A shared int64 constant initializer. */
  int64(values: number[], scalar = false): string {
    const key = `i64:${scalar}:${values.join(",")}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const data = new BigInt64Array(values.map((value) => BigInt(value)));
    const name = this.initializer(`const_i64_${this.constants.size}`, OnnxDataType.INT64, scalar ? [] : [values.length], new Uint8Array(data.buffer));
    this.constants.set(key, name);
    return name;
  }

  /** A shared float32 constant initializer. */
  float(values: number[], scalar = false): string {
    const key = `f32:${scalar}:${values.join(",")}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const data = new Float32Array(values);
    const name = this.initializer(`const_f32_${this.constants.size}`, OnnxDataType.FLOAT, scalar ? [] : [values.length], new Uint8Array(data.buffer));
    this.constants.set(key, name);
    return name;
  }
}

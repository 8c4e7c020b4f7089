// The only module that imports onnxruntime-node: everything else goes through this interface.
import * as ort from "onnxruntime-node";

export type SessionFeeds = Record<string, SessionTensor>;

/** A tensor handed to or returned by a session (float32, float64 or int64 data). */
export interface SessionTensor {
  readonly type: "float32" | "float64" | "int64";
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array;
}

export interface SessionOptions {
  /** Intra-op threads (default: ONNX Runtime's choice). */
  threads?: number;
}

export interface InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: SessionFeeds): Promise<Record<string, SessionTensor>>;
  release(): Promise<void>;
}

/** Opens an ONNX model (a file, or the model's bytes) on the CPU execution provider. */
export async function createInferenceSession(model: string | Uint8Array, options: SessionOptions = {}): Promise<InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
  };
  // Two calls, not one: onnxruntime-common types `create` as separate overloads for a path and for bytes.
  const session =
    typeof model === "string" ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims);
      const results = await session.run(ortFeeds);
      const out: Record<string, SessionTensor> = {};
      for (const [name, tensor] of Object.entries(results)) {
        out[name] = { type: tensor.type as SessionTensor["type"], dims: tensor.dims, data: tensor.data as SessionTensor["data"] };
      }
      return out;
    },
    release: () => session.release(),
  };
}

/** The onnxruntime-node version sessions run on (evaluation reports record it). */
export function onnxRuntimeVersion(): string {
  return ort.env.versions.node ?? "unknown";
}

export function int64Tensor(values: readonly number[], dims: readonly number[]): SessionTensor {
  return { type: "int64", dims, data: BigInt64Array.from(values, (value) => BigInt(value)) };
}

export function float32Tensor(data: Float32Array, dims: readonly number[]): SessionTensor {
  return { type: "float32", dims, data };
}

export function float64Tensor(data: Float64Array, dims: readonly number[]): SessionTensor {
  return { type: "float64", dims, data };
}

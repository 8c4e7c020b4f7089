import { type ChildProcessByStdio, spawn } from "node:child_process";
import { delimiter } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { resolvePython } from "@graft/utils";
import type { CausalLanguageModel, ForwardInput, ForwardResult, KeyValueCache } from "./causal-language-model.js";
import { PythonBackendError } from "./python-backend-error.js";

/** Where `graft_eval` (the Python server) lives: `<package>/python`, next to `src/` and `dist/`. */
export const EVAL_PYTHON_PATH = fileURLToPath(new URL("../python", import.meta.url));
/** Lines of the server's stderr kept for error messages. */
const STDERR_TAIL_LINES = 20;
/** Time a shut-down server gets to exit before it is killed. */
const SHUTDOWN_GRACE_MILLISECONDS = 5_000;

export interface PythonModelOptions {
  /** Interpreter; default `resolvePython()` (GRAFT_PYTHON, else the nearest .venv). */
  python?: string;
  /** "auto" (default: cuda when available), "cpu", "cuda", "cuda:1", "mps". */
  device?: string;
  /** Weights and compute dtype (default float32; bfloat16 for large models on GPU). */
  dtype?: "float32" | "bfloat16" | "float16";
  /** torch CPU threads. */
  threads?: number;
  /** Attention implementation (default sdpa). */
  attention?: "sdpa" | "eager";
  env?: NodeJS.ProcessEnv;
}

/** The Python backend's cache: a handle into the server's table (single-use: continuing it consumes it). */
interface PythonKeyValueCache extends KeyValueCache {
  readonly handle: number;
}

interface ResponseHeader {
  id?: number;
  ok: boolean;
  error?: string;
  shape?: number[];
  bytes?: number;
  cache?: number | null;
  cache_length?: number;
  event?: string;
  [key: string]: unknown;
}

interface Frame {
  header: ResponseHeader;
  payload: Buffer;
}

/** Splits the server's stdout into frames: a JSON header line, then `bytes` raw bytes. */
class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private pending: Frame[] = [];
  private waiting: { resolve: (frame: Frame) => void; reject: (error: unknown) => void } | undefined;
  private failure: unknown;

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const newline = this.buffered.indexOf(0x0a);
      if (newline < 0) return;
      const header = JSON.parse(this.buffered.subarray(0, newline).toString("utf8")) as ResponseHeader;
      const bytes = header.ok && typeof header.bytes === "number" ? header.bytes : 0;
      if (this.buffered.length < newline + 1 + bytes) return;
      const payload = this.buffered.subarray(newline + 1, newline + 1 + bytes);
      this.buffered = this.buffered.subarray(newline + 1 + bytes);
      this.deliver({ header, payload });
    }
  }

  fail(error: unknown): void {
    this.failure = error;
    this.waiting?.reject(error);
    this.waiting = undefined;
  }

  next(): Promise<Frame> {
    const frame = this.pending.shift();
    if (frame) return Promise.resolve(frame);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private deliver(frame: Frame): void {
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting.resolve(frame);
    } else this.pending.push(frame);
  }
}

/**
 * The same interface as `OnnxCausalModel`, run by `transformers` in a Python subprocess
 * (`python -m graft_eval`): for models too large for CPU ONNX, on a GPU. One request at a time.
 */
export class PythonCausalModel implements CausalLanguageModel {
  readonly backend = "python";
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private exited = false;

  private constructor(
    readonly directory: string,
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    private readonly frames: FrameReader,
    private readonly stderrTail: string[],
    /** The server's ready line: device, dtype, vocab_size, torch and transformers versions. */
    readonly info: { device: string; dtype: string; vocabSize: number; torch: string; transformers: string },
  ) {}

  static async load(directory: string, options: PythonModelOptions = {}): Promise<PythonCausalModel> {
    const python = options.python ?? resolvePython().path;
    const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), PYTHONUNBUFFERED: "1" };
    env.PYTHONPATH = env.PYTHONPATH ? `${EVAL_PYTHON_PATH}${delimiter}${env.PYTHONPATH}` : EVAL_PYTHON_PATH;
    const argv = [
      "-m",
      "graft_eval",
      "--model",
      directory,
      "--device",
      options.device ?? "auto",
      "--dtype",
      options.dtype ?? "float32",
      "--attention",
      options.attention ?? "sdpa",
    ];
    if (options.threads) argv.push("--threads", String(options.threads));
    const child = spawn(python, argv, { env, stdio: ["pipe", "pipe", "pipe"] });
    const frames = new FrameReader();
    const stderrTail: string[] = [];
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      stderrTail.push(...text.split("\n").filter((line) => line.trim() !== ""));
      stderrTail.splice(0, Math.max(0, stderrTail.length - STDERR_TAIL_LINES));
    });
    child.stdout.on("data", (chunk: Buffer) => {
      try {
        frames.push(chunk);
      } catch (error) {
        frames.fail(
          new PythonBackendError({
            directory,
            message: "the server wrote something that is not a frame to stdout",
            stderrTail: stderrTail.join("\n"),
            cause: error,
          }),
        );
      }
    });
    const failed = (message: string, exitCode: number | null, cause?: unknown) =>
      frames.fail(new PythonBackendError({ directory, message, exitCode, stderrTail: stderrTail.join("\n"), cause }));
    child.on("error", (error) => failed(`could not start ${python}`, null, error));
    child.on("exit", (code, signal) => failed(`the server exited (code ${code}${signal ? `, signal ${signal}` : ""})`, code));
    child.stdin.on("error", () => {}); // A dead server is reported through `exit`.
    const ready = (await frames.next()).header;
    const model = new PythonCausalModel(directory, child, frames, stderrTail, {
      device: String(ready.device),
      dtype: String(ready.dtype),
      vocabSize: Number(ready.vocab_size),
      torch: String(ready.torch),
      transformers: String(ready.transformers),
    });
    child.on("exit", () => (model.exited = true));
    return model;
  }

  forward(input: ForwardInput): Promise<ForwardResult> {
    const run = this.queue.then(() => this.request(input));
    this.queue = run.catch(() => {});
    return run;
  }

  private async request(input: ForwardInput): Promise<ForwardResult> {
    const cache = input.cache as Partial<PythonKeyValueCache> | undefined;
    if (cache && typeof cache.handle !== "number")
      throw new TypeError("PythonCausalModel.forward: the cache comes from another backend; pass the cache this model returned");
    const id = this.nextId++;
    const request = {
      id,
      op: "forward",
      input_ids: input.inputIds,
      attention_mask: input.attentionMask ?? null,
      cache: cache?.handle ?? null,
      keep_cache: input.keepCache ?? true,
      last_only: input.lastLogitsOnly ?? false,
    };
    this.child.stdin.write(`${JSON.stringify(request)}\n`);
    const { header, payload } = await this.frames.next();
    if (header.id !== id)
      throw new PythonBackendError({
        directory: this.directory,
        message: `response ${header.id} does not answer request ${id}`,
        stderrTail: this.stderrTail.join("\n"),
      });
    if (!header.ok)
      throw new PythonBackendError({ directory: this.directory, message: `forward failed: ${header.error}`, stderrTail: this.stderrTail.join("\n") });
    const shape = header.shape!;
    // Copy into an aligned buffer: a frame's payload may start at any byte offset.
    const logits = new Float32Array(payload.byteLength / 4);
    new Uint8Array(logits.buffer).set(payload);
    const result: ForwardResult = { logits, vocabulary: shape[2]! };
    if (typeof header.cache === "number") result.cache = { length: header.cache_length!, handle: header.cache } as PythonKeyValueCache;
    return result;
  }

  async release(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    await this.queue;
    this.child.stdin.end(`${JSON.stringify({ id: this.nextId++, op: "shutdown" })}\n`);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), SHUTDOWN_GRACE_MILLISECONDS);
    await exited;
    clearTimeout(timer);
  }
}

import { GraftError } from "@graft/errors";

const marker = "graft.error.PythonBackendError";
const symbol = Symbol.for(marker);

/** The Python (transformers) backend failed: it could not start, a request failed, or the process died. */
export class PythonBackendError extends GraftError {
  private readonly [symbol] = true;
  readonly directory: string;
  readonly exitCode: number | null;
  /** The last lines the process wrote to stderr. */
  readonly stderrTail: string;

  constructor(options: { directory: string; message: string; exitCode?: number | null; stderrTail?: string; cause?: unknown }) {
    const tail = options.stderrTail?.trim();
    super({
      name: "PythonBackendError",
      message:
        `Python backend for ${options.directory}: ${options.message}.` +
        `${tail ? `\nLast stderr lines:\n${tail}` : ""}\n` +
        "Check that GRAFT_PYTHON (or the repository's .venv) has torch and transformers installed (`npm run bootstrap`), or use the ONNX backend.",
      cause: options.cause,
    });
    this.directory = options.directory;
    this.exitCode = options.exitCode ?? null;
    this.stderrTail = options.stderrTail ?? "";
  }

  static override isInstance(error: unknown): error is PythonBackendError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "@graft/errors";

const marker = "graft.error.UnsupportedArchitectureError";
const symbol = Symbol.for(marker);

/** The model's architecture has no ONNX graph builder in graft. */
export class UnsupportedArchitectureError extends GraftError {
  private readonly [symbol] = true;
  readonly architecture: string;
  readonly path: string;

  constructor(options: { architecture: string; path: string; supported: readonly string[] }) {
    super({
      name: "UnsupportedArchitectureError",
      message:
        `Cannot export ${options.path} to ONNX: architecture "${options.architecture}" is not supported. ` +
        `Supported: ${options.supported.join(", ")}. Export it with optimum instead, or adapt a supported base model.`,
    });
    this.architecture = options.architecture;
    this.path = options.path;
  }

  static override isInstance(error: unknown): error is UnsupportedArchitectureError {
    return GraftError.hasMarker(error, marker);
  }
}

import { SafetensorsError } from "./safetensors-error.js";

const marker = "graft.error.InvalidHeaderError";
const symbol = Symbol.for(marker);

/** The header is not a valid safetensors header (bad JSON, bad field, bad offsets, too large). */
export class InvalidHeaderError extends SafetensorsError {
  private readonly [symbol] = true;
  /** The tensor the problem is in, when it is about one. */
  readonly tensorName?: string;

  constructor({ path, message, tensorName, cause }: { path: string; message: string; tensorName?: string; cause?: unknown }) {
    super({
      name: "InvalidHeaderError",
      path,
      cause,
      message: `${path}: ${tensorName ? `tensor "${tensorName}": ` : ""}${message}. The file is not a valid safetensors file: re-export it (e.g. safetensors.torch.save_file) or check that the download is complete.`,
    });
    this.tensorName = tensorName;
  }

  static override isInstance(error: unknown): error is InvalidHeaderError {
    return SafetensorsError.hasMarker(error, marker);
  }
}

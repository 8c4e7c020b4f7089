import { GraftError } from "@graft/errors";

const marker = "graft.error.GgufUnsupportedError";
const symbol = Symbol.for(marker);

/** A GGUF whose architecture or tokenizer model the import cannot turn into a Hugging Face directory. */
export class GgufUnsupportedError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  /** `architecture` (general.architecture) or `tokenizer` (tokenizer.ggml.model). */
  readonly feature: "architecture" | "tokenizer";
  readonly value: string;
  readonly supported: readonly string[];

  constructor({ path, feature, value, supported }: { path: string; feature: "architecture" | "tokenizer"; value: string; supported: readonly string[] }) {
    const key = feature === "architecture" ? "general.architecture" : "tokenizer.ggml.model";
    super({
      name: "GgufUnsupportedError",
      message: `${path}: ${key} is "${value}"; graft imports ${supported.join(", ")}: load this file with transformers (from_pretrained(dir, gguf_file=...)) and save_pretrained it instead`,
    });
    this.path = path;
    this.feature = feature;
    this.value = value;
    this.supported = supported;
  }

  static override isInstance(error: unknown): error is GgufUnsupportedError {
    return GraftError.hasMarker(error, marker);
  }
}

import { GraftError } from "@graft/errors";

const marker = "graft.error.UnsupportedTokenizerError";
const symbol = Symbol.for(marker);

/** The tokenizer's model is not one vocabulary extension supports (Unigram, WordPiece, BPE without bytes). */
export class UnsupportedTokenizerError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  readonly modelType: string;

  constructor({ path, modelType, reason }: { path: string; modelType: string; reason?: string }) {
    super({
      name: "UnsupportedTokenizerError",
      message: `${path}: cannot extend a ${modelType} tokenizer${reason ? ` (${reason})` : ""}; graft vocab extend supports byte-level BPE (Llama-3, Qwen2.5, GPT-2) and SentencePiece-style BPE with byte fallback (Llama-2, Mistral, Gemma). Other tokenizers need a replacement vocabulary instead of an extension.`,
    });
    this.path = path;
    this.modelType = modelType;
  }

  static override isInstance(error: unknown): error is UnsupportedTokenizerError {
    return GraftError.hasMarker(error, marker);
  }
}

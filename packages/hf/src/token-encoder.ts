export interface EncodeOptions {
  /** Add the post-processor's special tokens (BOS for Llama); default true, as in `tokenizers`. */
  addSpecialTokens?: boolean;
}

/** Encoding backend; the default wraps `@huggingface/tokenizers`, a faster one can replace it. */
export interface TokenEncoder {
  encode(text: string, options?: EncodeOptions): number[];
}

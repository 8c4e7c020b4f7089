import type { OldSegmentation } from "./old-segmentation.js";

/** What an initialisation method gets: the base rows of one module and how the vocabularies relate. */
export interface InitMethodInput {
  /** Base matrix, row-major `segmentation.baseRowCount x hiddenSize` (float32 view of the stored dtype). */
  baseMatrix: Float32Array;
  hiddenSize: number;
  segmentation: OldSegmentation;
  /** The extended tokenizer's merges producing each token string: token -> [left, right]. */
  mergeOf: Map<string, [string, string]>;
  /** The extended tokenizer's string -> id. */
  idOf: (token: string) => number | undefined;
  /** The extended tokenizer's id -> string. */
  tokenOf: (id: number) => string | undefined;
}

/**
 * An initialisation method returns every row (`segmentation.rowCount x hiddenSize`). Rows of
 * tokens the base has must be copied bit for bit; padding rows must get a defined value.
 * One method per file (`init-method-*.ts`); `INIT_METHODS` lists them.
 */
export type InitMethod = (input: InitMethodInput) => Float32Array;

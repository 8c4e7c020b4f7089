import type { OldSegmentation } from "./old-segmentation.js";

/**
 * A row as a combination of base rows: `(Σ_k weights[k] · E_base[ids[k]]) / divisor`, accumulated
 * in float64 in the order given and rounded once (to float32, then to the stored dtype). Every
 * initialisation graft knows (mean, merge-tree, and the align / FOCUS / OMP family) is such a
 * sparse combination, so the engine can build rows straight into the output tensor.
 */
export interface RowCombination {
  /** Base ids (each `< segmentation.baseRowCount`). */
  ids: ArrayLike<number>;
  /** One finite weight per id. */
  weights: ArrayLike<number>;
  /** Divides the weighted sum (default 1); `mean` uses the part count so a row is exactly `sum / K`. */
  divisor?: number;
}

/** What an initialisation method gets for one module (`embed_tokens` or `lm_head`). */
export interface InitMethodInput {
  /** The module being initialised, e.g. `model.embed_tokens.weight`. */
  module: string;
  hiddenSize: number;
  segmentation: OldSegmentation;
  /** The extended tokenizer's merges producing each token string: token -> [left, right] (the first such merge). */
  mergeOf: Map<string, [string, string]>;
  /** The extended tokenizer's string -> id. */
  idOf: (token: string) => number | undefined;
  /** The extended tokenizer's id -> string. */
  tokenOf: (id: number) => string | undefined;
  /** Base row `id` of this module widened to float32 (a fresh array); for methods that look at the values. */
  baseRow: (id: number) => Float32Array;
}

/**
 * An initialisation method: given one module, it returns for each NEW token id (segmentation kinds
 * `segmented` and `unsegmentable`) that row as a combination of base rows, or `undefined` for
 * the mean of all base rows. The engine (`initializeEmbeddings`) owns every other row: tokens
 * the base has are copied bit for bit, padding rows get their documented value, so a method
 * cannot break them. One method per file (`init-method-*.ts`); `INIT_METHODS` lists them.
 */
export type InitMethod = (input: InitMethodInput) => (id: number) => RowCombination | undefined;

// Public surface of @graft/lep: every export is named here.
export { propagateEmbeddings, APPLY_READ_ROWS, LEP_REPORT_FILE, PROGRESS_INTERVAL_SECONDS, PRODUCT_ENGINES, type ProductEngine, type LepEvent, type PropagateEmbeddingsOptions, type PropagationResult } from "./propagate-embeddings.js";
export { formatLepReport, PROPAGATION_MODES, type LepReport, type ModuleReport, type PropagationMode } from "./lep-report.js";
export {
  validateLepModels,
  validateLepVocabularies,
  modelVocabulary,
  EMBED_TOKENS,
  LM_HEAD,
  EMBEDDING_DTYPES,
  type LepModel,
  type LepTokenizers,
  type ValidatedInputs,
} from "./validate-lep-inputs.js";
export { assembleTokenizer, type AssembledTokenizer } from "./assemble-tokenizer.js";
export { bodyDeltaTensor } from "./body-delta.js";
export { warmPageCache, WARM_CHUNK_BYTES, type TensorToWarm } from "./warm-page-cache.js";
export { accumulateFit, fitBlockRows, FIT_BLOCK_ROWS, ONNX_FIT_BLOCK_BYTES, type AccumulateFitOptions } from "./accumulate-fit.js";
export { accumulateFoldedFit, foldedBlockRows, FOLDED_BLOCK_BYTES, GRAM_PANEL_COLUMNS, type AccumulateFoldedFitOptions } from "./accumulate-folded-fit.js";
export { buildFoldedBlock, FoldedBlockBuffers, FOLDED_CHUNK_ROWS, type FoldedWeights } from "./build-folded-block.js";
export { EmbeddingMatrix } from "./embedding-matrix.js";
export { NormalEquations, NORMAL_EQUATIONS_BLOCK_ROWS } from "./normal-equations.js";
export {
  solveNormalEquations,
  solveNormalEquationsWith,
  RIDGE_FALLBACK_GROWTH,
  RIDGE_FALLBACK_LIMIT,
  RIDGE_FALLBACK_START,
  type SolveOptions,
  type SolvedMap,
} from "./solve-normal-equations.js";
export { blockedCholeskyFactor, blockedCholeskySolve, CHOLESKY_BLOCK_COLUMNS } from "./blocked-cholesky.js";
export { choleskyFactor, choleskySolveColumns, choleskySolveVector, lowerTriangularInverse, pivotTolerance, CHOLESKY_RELATIVE_PIVOT_TOLERANCE, type CholeskyResult } from "./cholesky.js";
export { conditionEstimate, CONDITION_ITERATIONS, CONDITION_SETTLED } from "./condition-estimate.js";
export { MapApplier, APPLY_BLOCK_ROWS, APPLY_GEMM_ROWS, denseMapApplication, type MapApplication } from "./apply-map.js";
export { DenseProducts, panelBounds, CROSS_PANEL_ROWS, type FixedMapProduct, type FoldedSums, type UpdateKind } from "./dense-products.js";
export { accumulateTransposedProduct, transposeInto } from "./gram-kernels.js";
export { LepInputError } from "./lep-error.js";
export { SingularSystemError } from "./singular-system-error.js";
export { ProductPool, sharedFloat64Array, splitRows, MAX_PRODUCT_THREADS } from "./product-pool.js";

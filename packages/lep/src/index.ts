// Public surface of @graft/lep: every export is named here. The numerical parts (fit, solve,
// apply, the product engines) are internals of propagateEmbeddings and are imported by file.
export { propagateEmbeddings, LEP_REPORT_FILE, PROGRESS_INTERVAL_SECONDS, PRODUCT_ENGINES, type ProductEngine, type LepEvent, type PropagateEmbeddingsOptions, type PropagationResult } from "./propagate-embeddings.js";
export { formatLepReport, PROPAGATION_MODES, type LepReport, type ModuleReport, type PropagationMode } from "./lep-report.js";
export { LepInputError } from "./lep-error.js";
export { SingularSystemError } from "./singular-system-error.js";

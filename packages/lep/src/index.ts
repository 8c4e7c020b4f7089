// Public surface of @graft/lep: every export is named here. The numerical parts (fit, solve,
// apply, the product engines) are internals of propagateEmbeddings and are imported by file.

export { LepInputError } from "./lep-error.js";
export { formatLepReport, type LepReport, type ModuleReport, PROPAGATION_MODES, type PropagationMode } from "./lep-report.js";
export {
  LEP_REPORT_FILE,
  type LepEvent,
  PRODUCT_ENGINES,
  PROGRESS_INTERVAL_SECONDS,
  type ProductEngine,
  type PropagateEmbeddingsOptions,
  type PropagationResult,
  propagateEmbeddings,
} from "./propagate-embeddings.js";
export { SingularSystemError } from "./singular-system-error.js";

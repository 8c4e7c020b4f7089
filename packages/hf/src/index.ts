// Public surface of @graft/hf: every export is named here.
export { GraftError, GRAFT_ERROR_MARKER, type GraftErrorOptions } from "./graft-error.js";
export { resolvePython, type ResolvedPython } from "./resolve-python.js";

// Public surface of @graft/errors: every export is named here.
export { GraftError, GRAFT_ERROR_MARKER, type GraftErrorOptions } from "./graft-error.js";

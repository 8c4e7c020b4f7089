// Public surface of @graft/errors: every export is named here.
export { GRAFT_ERROR_MARKER, GraftError, type GraftErrorOptions } from "./graft-error.js";

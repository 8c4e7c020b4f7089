// Public surface of @graft/utils: every export is named here.

export { formatDuration } from "./format-duration.js";
export { mulberry32, seededUniform } from "./mulberry32.js";
export { processIsAlive } from "./process-is-alive.js";
export { type ResolvedPython, resolvePython } from "./resolve-python.js";
export { seededNormal } from "./seeded-normal.js";

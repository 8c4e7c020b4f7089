// Public surface of @graft/utils: every export is named here.
export { resolvePython, type ResolvedPython } from "./resolve-python.js";
export { processIsAlive } from "./process-is-alive.js";
export { mulberry32, seededUniform } from "./mulberry32.js";
export { seededNormal } from "./seeded-normal.js";
export { formatDuration } from "./format-duration.js";

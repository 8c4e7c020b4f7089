// Every `graft` subcommand, one file each. cli.ts registers every export of this module.
// To add a command: write commands/<name>.ts and append one export line here.

export { adaptCommand } from "./adapt.js";
export { corpusBuildCommand } from "./corpus-build.js";
export { corpusMergeCommand } from "./corpus-merge.js";
export { doctorCommand } from "./doctor.js";
export { evalCommand } from "./eval.js";
export { exportGgufCommand } from "./export-gguf.js";
export { exportOnnxCommand } from "./export-onnx.js";
export { importGgufCommand } from "./import-gguf.js";
export { lepCommand } from "./lep.js";
export { reportTableCommand } from "./report-table.js";
export { tagsRenderCommand } from "./tags-render.js";
export { trainCommand } from "./train.js";
export { vocabExtendCommand } from "./vocab-extend.js";
export { vocabInitCommand } from "./vocab-init.js";
export { vocabStatsCommand } from "./vocab-stats.js";

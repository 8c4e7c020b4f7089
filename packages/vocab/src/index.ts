// Public surface of @graft/vocab: every export is named here.
export { oldSegmentation, type OldSegmentation, type OldSegmentationOptions, type SegmentationKind } from "./old-segmentation.js";
export { aggregateRows, meanOfRows, type AggregateRowsOptions } from "./aggregate-rows.js";
export { BYTE_TO_CHARACTER, byteLevelToBytes, byteLevelToText, textToByteLevel, isByteLevel } from "./byte-level-alphabet.js";

import type { CorpusDocument } from "./corpus-document.js";

/** A pipeline step (datatrove-style): returns the (possibly changed) document, or a drop reason. */
export type PipelineStep = (document: CorpusDocument) => CorpusDocument | { drop: string } | Promise<CorpusDocument | { drop: string }>;

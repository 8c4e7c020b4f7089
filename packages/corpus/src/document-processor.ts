import { type ChatSample, createTagger, inscpDocument, inscpPair, SampleTooLongError } from "@graft/chat-tags";
import { loadTokenizer } from "@graft/hf";
import { cleanText } from "./clean-text.js";
import { exactKey } from "./exact-dedup.js";
import { createLanguageIdentifier } from "./identify-language.js";
import { languageFilter } from "./language-filter.js";
import { minhashSignature } from "./minhash-signature.js";
import type { PipelineStep } from "./pipeline-step.js";
import { type QualityFilterOptions, qualityFilter } from "./quality-filter.js";

export type CorpusFormat = "plain" | "inscp-document" | "inscp-pair";

/** What a processor (in a worker thread or in-process) needs: plain data, so it crosses to workers. */
export interface ProcessorSettings {
  tokenizer: string;
  model?: string;
  format: CorpusFormat;
  sequenceLength: number;
  quality: QualityFilterOptions | false;
  languages?: readonly string[];
  languageThreshold?: number;
  /** Compute the exact-dedup key (md5 of the normalised text). */
  exactKeys: boolean;
  /** Compute the MinHash signature. */
  signatures: boolean;
  /** Tokenize (false for a dedup signatures pass: no tokens needed). */
  tokenize?: boolean;
}

/** A document as read: what a processor gets. */
export interface RawDocument {
  id: string;
  text: string;
  source: string;
  line: number;
  question?: string;
  answer?: string;
}

/** A document that passed the stateless steps: its cleaned text, dedup keys and tokens (pieces: sample lengths, each starting a document). */
export interface ProcessedDocument {
  text: string;
  language?: string;
  languageScore?: number;
  exactKey?: string;
  signature?: Uint32Array;
  ids: Uint32Array;
  mask: Uint8Array;
  pieces: Uint32Array;
}

export type ProcessResult = ProcessedDocument | { drop: string };

/** Tokenizes one cleaned document into pieces (ids + mask each). */
export type DocumentEncoder = (document: {
  text: string;
  question?: string;
  answer?: string;
  source: string;
  line: number;
}) => Promise<{ ids: Uint32Array; mask: Uint8Array; pieces: Uint32Array } | { drop: string }>;

function concatenate(samples: { ids: readonly number[]; mask: readonly number[] }[]): { ids: Uint32Array; mask: Uint8Array; pieces: Uint32Array } {
  const total = samples.reduce((sum, sample) => sum + sample.ids.length, 0);
  const ids = new Uint32Array(total);
  const mask = new Uint8Array(total);
  const pieces = new Uint32Array(samples.length);
  let offset = 0;
  samples.forEach((sample, index) => {
    ids.set(sample.ids, offset);
    mask.set(sample.mask, offset);
    pieces[index] = sample.ids.length;
    offset += sample.ids.length;
  });
  return { ids, mask, pieces };
}

/** The tokenization of a format: plain = the tokenizer's encoding (its BOS) + EOS; InsCP = chat-tags samples with their masks. */
export async function createDocumentEncoder(settings: Pick<ProcessorSettings, "tokenizer" | "model" | "format" | "sequenceLength">): Promise<DocumentEncoder> {
  if (settings.format === "plain") {
    const tokenizer = await loadTokenizer(settings.tokenizer);
    const eosId = tokenizer.specialTokens.eos?.id;
    return async ({ text }) => {
      const encoded = tokenizer.encode(text);
      if (eosId !== undefined && encoded[encoded.length - 1] !== eosId) encoded.push(eosId);
      const ids = Uint32Array.from(encoded);
      return { ids, mask: new Uint8Array(ids.length).fill(1), pieces: Uint32Array.of(ids.length) };
    };
  }
  const tagger = await createTagger({ modelDirectory: settings.model ?? settings.tokenizer, maxLength: settings.sequenceLength });
  return async ({ text, question, answer, source, line }) => {
    const metadata = { source, line };
    const samples: ChatSample[] =
      settings.format === "inscp-pair" && question !== undefined && answer !== undefined
        ? inscpPair({ question, answer }, { metadata })
        : [inscpDocument(text, metadata)];
    const tagged: { ids: number[]; mask: number[] }[] = [];
    try {
      for (const sample of samples) tagged.push(...(await tagger.tag(sample)));
    } catch (error) {
      // A sentence longer than a whole sequence cannot be wrapped: the document is dropped, counted.
      if (SampleTooLongError.isInstance(error)) return { drop: "sentence_too_long" };
      throw error;
    }
    return concatenate(tagged);
  };
}

/**
 * The stateless part of the pipeline, run per document (in worker threads): clean-up → quality
 * filters → language filter → dedup keys → tokenization. Stateful steps (dedup) run afterwards,
 * in document order, on the main thread.
 */
export async function createDocumentProcessor(settings: ProcessorSettings): Promise<(documents: readonly RawDocument[]) => Promise<ProcessResult[]>> {
  const steps: PipelineStep[] = [cleanText];
  if (settings.quality !== false) steps.push(qualityFilter(settings.quality));
  if (settings.languages && settings.languages.length > 0)
    steps.push(languageFilter({ languages: settings.languages, threshold: settings.languageThreshold, identify: await createLanguageIdentifier() }));
  const encode: DocumentEncoder =
    settings.tokenize === false
      ? async () => ({ ids: new Uint32Array(0), mask: new Uint8Array(0), pieces: new Uint32Array(0) })
      : await createDocumentEncoder(settings);
  const processOne = async (raw: RawDocument): Promise<ProcessResult> => {
    let document = {
      id: raw.id,
      text: raw.text,
      metadata: { source: raw.source, line: raw.line } as Record<string, unknown> & { source: string; line: number },
    };
    for (const step of steps) {
      const result = await step(document);
      if ("drop" in result) return result;
      document = result;
    }
    const pair = raw.question !== undefined && raw.answer !== undefined ? { question: cleanPart(raw.question), answer: cleanPart(raw.answer) } : undefined;
    const encoded = await encode({ text: document.text, ...pair, source: raw.source, line: raw.line });
    if ("drop" in encoded) return encoded;
    return {
      text: document.text,
      language: document.metadata.language as string | undefined,
      languageScore: document.metadata.language_score as number | undefined,
      exactKey: settings.exactKeys ? exactKey(document.text) : undefined,
      signature: settings.signatures ? minhashSignature(document.text) : undefined,
      ...encoded,
    };
  };
  return async (documents) => {
    const results: ProcessResult[] = [];
    for (const document of documents) results.push(await processOne(document));
    return results;
  };
}

function cleanPart(text: string): string {
  const result = cleanText({ id: "", text, metadata: { source: "", line: 0 } });
  return "drop" in result ? "" : (result as { text: string }).text;
}

import type { Tagger } from "./create-tagger.js";
import { type ReadSamplesOptions, type ReadSamplesStats, readSamples } from "./read-samples.js";
import type { ChatSample } from "./sample-formats.js";
import type { TokenizedSample } from "./tokenize-sample.js";

/**
 * Streams tagged samples ({format, text, ids, mask, metadata}) from any async iterable of
 * samples: one input sample may give several (split long documents) or none (scorer dropped it).
 */
export async function* tagSamples(tagger: Tagger, samples: AsyncIterable<ChatSample> | Iterable<ChatSample>): AsyncGenerator<TokenizedSample> {
  for await (const sample of samples) yield* await tagger.tag(sample);
}

/** `readSamples` + `tagSamples`: a JSONL file in, tagged samples out (what @graft/corpus consumes). */
export function tagJsonl(tagger: Tagger, path: string, options: ReadSamplesOptions, stats?: ReadSamplesStats): AsyncGenerator<TokenizedSample> {
  return tagSamples(tagger, readSamples(path, options, stats));
}

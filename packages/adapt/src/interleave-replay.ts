import type { CorpusDocument } from "@graft/corpus";

/** What `interleaveReplay` yields and, once its documents are read to the end, how much of each it used. */
export interface InterleavedReplay {
  documents: AsyncGenerator<string>;
  targetCharacters: number;
  replayCharacters: number;
  replayDocuments: number;
}

/**
 * The target documents in order with replay documents spread between them, so that at every point
 * about `share` of the characters written so far are replay text: a prefix of the result (a short
 * run that never reaches the end) is mixed like the whole. Replay stops when its documents run out;
 * the counts say what share was reached.
 */
export function interleaveReplay(target: AsyncIterable<CorpusDocument>, replay: AsyncIterator<string>, share: number): InterleavedReplay {
  const result: InterleavedReplay = { documents: mix(), targetCharacters: 0, replayCharacters: 0, replayDocuments: 0 };
  // replay / (target + replay) = share  <=>  replay = target * share / (1 - share)
  const ratio = share / (1 - share);
  async function* mix(): AsyncGenerator<string> {
    let exhausted = false;
    for await (const document of target) {
      result.targetCharacters += document.text.length;
      yield document.text;
      while (!exhausted && result.replayCharacters < result.targetCharacters * ratio) {
        const next = await replay.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        result.replayCharacters += next.value.length;
        result.replayDocuments += 1;
        yield next.value;
      }
    }
  }
  return result;
}

import { formatDuration } from "@graft/utils";

/** Events of a corpus build (JSON-friendly; `graft corpus build --json` prints them one a line). */
export type CorpusEvent =
  | {
      type: "progress";
      documents: number;
      forwarded: number;
      tokens: number;
      megabytes: number;
      seconds: number;
      megabytesPerSecond: number;
      /** Share of the input bytes read (compressed bytes, where compressed), 0-1. */
      fraction: number;
      /** Estimated seconds left, from the rate so far (undefined until some input was read). */
      etaSeconds?: number;
    }
  | { type: "resume"; documents: number; shards: number }
  | { type: "shard"; split: "train" | "valid"; name: string; sequences: number };

/** Builds progress events: rate over the time since start, ETA from the share of input bytes read. */
export class ProgressMeter {
  private readonly started = performance.now();
  private bytesRead = 0;

  private resumedFraction = 0;
  private resumedBytes = 0;

  constructor(private readonly totalInputBytes: number) {}

  /** A resumed run: what was done before does not count toward the rate. */
  resumedAt(bytes: number): void {
    this.resumedFraction = this.totalInputBytes > 0 ? Math.min(1, this.bytesRead / this.totalInputBytes) : 0;
    this.resumedBytes = bytes;
  }

  /** Compressed input bytes read so far (from the reader). */
  read(bytes: number): void {
    this.bytesRead = bytes;
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  event(counts: { documents: number; forwarded: number; tokens: number; bytes: number }): CorpusEvent {
    const seconds = this.seconds;
    const fraction = this.totalInputBytes > 0 ? Math.min(1, this.bytesRead / this.totalInputBytes) : 0;
    const done = fraction - this.resumedFraction;
    const etaSeconds = done > 0 && seconds > 0 ? (seconds * (1 - fraction)) / done : undefined;
    const { bytes, ...rest } = counts;
    return {
      type: "progress",
      ...rest,
      megabytes: bytes / 1e6,
      seconds,
      megabytesPerSecond: (bytes - this.resumedBytes) / 1e6 / Math.max(seconds, 1e-9),
      fraction,
      etaSeconds,
    };
  }
}

/** One line for people: counts, rate, ETA. */
export function formatProgress(event: Extract<CorpusEvent, { type: "progress" }>): string {
  const eta = event.etaSeconds === undefined ? "" : `, ETA ${formatDuration(event.etaSeconds)}`;
  return `${event.documents} documents (${event.forwarded} kept, ${event.tokens} tokens), ${event.megabytes.toFixed(1)} MB at ${event.megabytesPerSecond.toFixed(2)} MB/s, ${(event.fraction * 100).toFixed(1)}% of the input${eta}`;
}

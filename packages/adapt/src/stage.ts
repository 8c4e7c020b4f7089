/** What a stage's `run` gets from the runner. */
export interface StageContext {
  /** The directory to fill (a temporary sibling of the final one; the runner renames it into place). */
  out: string;
  /** Where the output lives once finished (for messages; never write there). */
  final: string;
  /** The stage's key (settings + inputs + upstream keys). */
  key: string;
  /** Kept across attempts with the same key (e.g. training checkpoints); removed when the stage finishes. */
  resumeDirectory: string;
  /** The finished output directory of an upstream stage (one named in `after`). */
  upstream(name: string): string;
  /** One line into the stage's log file (and to `onLog`). */
  log(line: string): void;
  /** A progress event `{ type, ...fields }` (its `type` becomes the stage-progress event's `kind`); also logged. */
  progress(event: { type: string; [field: string]: unknown }): void;
  /** Fires when the run is cancelled (Ctrl-C); long stages stop and throw. */
  signal?: AbortSignal;
}

/** One pipeline stage. Its key is a hash of `settings`, the content of `inputs` and the keys of `after`. */
export interface Stage {
  name: string;
  /** Everything that changes the output (JSON-serialisable). */
  settings: Record<string, unknown>;
  /** Stages whose outputs this one reads (they come before it). */
  after: string[];
  /** Files or directories read from outside the pipeline: their content (or size + time when large) enters the key. */
  inputs: string[];
  /** A short line for the plan: what the stage does. */
  description?: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: a stage that returns nothing has no summary
  run(context: StageContext): Promise<Record<string, unknown> | void>;
}

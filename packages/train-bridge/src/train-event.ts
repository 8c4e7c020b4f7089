/** Events the Python trainer prints, one JSON object per line (`type` is noun-verb). */
export interface TrainStartEvent {
  type: "train-start";
  time: number;
  config: Record<string, unknown>;
  trainable_parameters: number;
  total_parameters: number;
  world_size: number;
  device: string;
  precision: "bf16" | "fp32";
  train_sequences: number;
  valid_sequences: number;
  tokens_per_step: number;
}
export interface TrainResumeEvent {
  type: "train-resume";
  time: number;
  checkpoint: string;
}
export interface StepEndEvent {
  type: "step-end";
  time: number;
  step: number;
  max_steps: number;
  loss: number;
  learning_rate: number | null;
  grad_norm: number | null;
  tokens_per_second: number;
  /** Model FLOPs utilisation (6 · parameters · tokens/s ÷ peak bf16 FLOP/s); null off GPU. */
  mfu: number | null;
  eta_seconds: number | null;
  epoch: number | null;
}
export interface EvalEndEvent {
  type: "eval-end";
  time: number;
  step: number;
  loss: number | null;
  perplexity: number | null;
}
export interface CheckpointSavedEvent {
  type: "checkpoint-saved";
  time: number;
  step: number;
  path: string;
}
export interface TrainEndEvent {
  type: "train-end";
  time: number;
  output: string;
  step: number;
  train_loss: number;
}
export interface TrainErrorEvent {
  type: "error";
  time: number /** The Python exception class. */;
  error_type: string;
  message: string;
  traceback_tail: string;
}

export type TrainEvent = TrainStartEvent | TrainResumeEvent | StepEndEvent | EvalEndEvent | CheckpointSavedEvent | TrainEndEvent | TrainErrorEvent;

const EVENT_NAMES = new Set(["train-start", "train-resume", "step-end", "eval-end", "checkpoint-saved", "train-end", "error"]);

/** A stdout line as an event, or undefined for any other line. */
export function parseTrainEvent(line: string): TrainEvent | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(line) as { type?: unknown };
    return typeof value.type === "string" && EVENT_NAMES.has(value.type) ? (value as TrainEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** Events the Python trainer prints, one JSON object per line (`event` is noun-verb). */
export interface TrainStartEvent {
  event: "train-start";
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
export interface TrainResumeEvent { event: "train-resume"; time: number; checkpoint: string }
export interface StepEndEvent {
  event: "step-end";
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
export interface EvalEndEvent { event: "eval-end"; time: number; step: number; loss: number | null; perplexity: number | null }
export interface CheckpointSavedEvent { event: "checkpoint-saved"; time: number; step: number; path: string }
export interface TrainEndEvent { event: "train-end"; time: number; output: string; step: number; train_loss: number }
export interface TrainErrorEvent { event: "error"; time: number; type: string; message: string; traceback_tail: string }

export type TrainEvent =
  | TrainStartEvent
  | TrainResumeEvent
  | StepEndEvent
  | EvalEndEvent
  | CheckpointSavedEvent
  | TrainEndEvent
  | TrainErrorEvent;

const EVENT_NAMES = new Set(["train-start", "train-resume", "step-end", "eval-end", "checkpoint-saved", "train-end", "error"]);

/** A stdout line as an event, or undefined for any other line. */
export function parseTrainEvent(line: string): TrainEvent | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(line) as { event?: unknown };
    return typeof value.event === "string" && EVENT_NAMES.has(value.event) ? (value as TrainEvent) : undefined;
  } catch {
    return undefined;
  }
}

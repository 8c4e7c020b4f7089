import { formatDuration } from "@graft/utils";
import type { TrainEvent } from "./train-event.js";

/** One human line per event (progress with loss, tokens/s, MFU and ETA), or undefined to stay quiet. */
export function formatProgress(event: TrainEvent): string | undefined {
  switch (event.type) {
    case "train-start":
      return `training on ${event.device} × ${event.world_size} (${event.precision}): ${event.trainable_parameters.toLocaleString("en")} of ${event.total_parameters.toLocaleString("en")} parameters trainable, ${event.train_sequences} sequences`;
    case "train-resume":
      return `resuming from ${event.checkpoint}`;
    case "step-end": {
      const percent = event.max_steps > 0 ? ` ${((100 * event.step) / event.max_steps).toFixed(1)}%` : "";
      const mfu = event.mfu === null ? "" : `  mfu ${(100 * event.mfu).toFixed(1)}%`;
      return `step ${event.step}/${event.max_steps}${percent}  loss ${event.loss.toFixed(4)}  lr ${(event.learning_rate ?? 0).toExponential(2)}  ${Math.round(event.tokens_per_second).toLocaleString("en")} tok/s${mfu}  eta ${formatDuration(event.eta_seconds)}`;
    }
    case "eval-end":
      return `eval at step ${event.step}: loss ${event.loss?.toFixed(4) ?? "?"}  ppl ${event.perplexity?.toFixed(2) ?? "?"}`;
    case "checkpoint-saved":
      return `checkpoint ${event.path}`;
    case "train-end":
      return `done: ${event.output} (step ${event.step}, mean loss ${event.train_loss.toFixed(4)})`;
    case "error":
      return `error: ${event.error_type}: ${event.message}`;
  }
}

import { formatProgress, runTraining, type TrainJob } from "@graft/train-bridge";

/** Steps between progress lines. */
const PROGRESS_EVERY_STEPS = 10;

/** Runs one training job through @graft/train-bridge (resuming from its checkpoints), printing progress; returns the final train loss. */
export async function trainModel(job: TrainJob, say: (line: string) => void): Promise<{ trainLoss: number; lastLoss: number }> {
  const run = runTraining(job);
  let lastLoss = Number.NaN;
  for await (const event of run.events) {
    if (event.type === "step-end") lastLoss = event.loss;
    if (event.type === "step-end" && event.step % PROGRESS_EVERY_STEPS !== 0 && event.step !== event.max_steps) continue;
    const line = formatProgress(event);
    if (line) say(line);
  }
  const result = await run.result;
  return { trainLoss: result.trainLoss, lastLoss };
}

import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { resolvePython } from "@graft/utils";
import { type Launcher, launchCommand } from "./launcher.js";
import { slurmTraining } from "./slurm-training.js";
import { parseTrainEvent, type TrainEndEvent, type TrainErrorEvent, type TrainEvent } from "./train-event.js";
import { type TrainJob, trainJobToJson, validateTrainJob } from "./train-job.js";
import { TrainerProcessError } from "./trainer-process-error.js";
import { TRAINER_PYTHON_PATH } from "./trainer-python-path.js";
import { TrainingCancelledError } from "./training-cancelled-error.js";

const STDERR_TAIL_LINES = 30; // kept for the error when the process dies without an `error` event
const KILL_GRACE_MILLISECONDS = 5000; // SIGTERM first, then SIGKILL to the whole process group

export interface RunTrainingOptions {
  launcher?: Launcher;
  /** Interpreter; default `resolvePython()`. */
  python?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Every stderr line of the trainer (transformers' logs, warnings); with Slurm, every line of the job's output that is not an event. */
  onStderr?: (line: string) => void;
}

export interface TrainingResult {
  /** The trained model directory (the `train-end` event's `output`). */
  out: string;
  step: number;
  trainLoss: number;
  /** Every event, in order. */
  events: TrainEvent[];
}

export interface TrainingRun {
  events: AsyncIterable<TrainEvent>;
  result: Promise<TrainingResult>;
  /** The process id of the launcher (leader of its process group). */
  pid: Promise<number>;
}

/**
 * Validates the job (a malformed job throws `TrainJobError` and never launches Python), writes it
 * as JSON, starts the trainer (one process, torchrun, or a Slurm job) and follows its events.
 * `result` rejects with `TrainerProcessError` (exit code + traceback tail), `SlurmJobError` (sbatch
 * could not run, the job failed or ended without finishing) or `TrainingCancelledError` (the signal
 * fired; a Slurm job is cancelled with `scancel`).
 */
export function runTraining(job: TrainJob, options: RunTrainingOptions = {}): TrainingRun {
  const valid = validateTrainJob(job);
  const queue: TrainEvent[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  let resolvePid!: (pid: number) => void;
  let rejectPid!: (error: unknown) => void;
  const pid = new Promise<number>((resolve, reject) => {
    resolvePid = resolve;
    rejectPid = reject;
  });
  pid.catch(() => {});

  const push = (event: TrainEvent) => {
    queue.push(event);
    wake?.();
  };
  const launcher = options.launcher ?? { kind: "local" };
  const result = (async (): Promise<TrainingResult> => {
    if (launcher.kind === "slurm") {
      const python = options.python ?? resolvePython().path;
      const { end, events } = await slurmTraining(valid, launcher, {
        python,
        signal: options.signal,
        env: options.env,
        onOutput: options.onStderr,
        onEvent: push,
        onPid: resolvePid,
      });
      return { out: end.output, step: end.step, trainLoss: end.train_loss, events };
    }
    const workDirectory = await mkdtemp(join(tmpdir(), "graft-train-"));
    try {
      const python = options.python ?? resolvePython().path;
      const jobFile = join(workDirectory, "job.json");
      const { argv, jobExtra } = await launchCommand(python, jobFile, launcher, workDirectory);
      await writeFile(jobFile, JSON.stringify(trainJobToJson(valid, jobExtra), null, 2));
      return await follow(argv, options, push, resolvePid);
    } finally {
      await rm(workDirectory, { recursive: true, force: true });
    }
  })();
  result.then(
    () => {
      finished = true;
      wake?.();
    },
    (error: unknown) => {
      failure = error;
      finished = true;
      rejectPid(error);
      wake?.();
    },
  );

  async function* iterate(): AsyncGenerator<TrainEvent> {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (finished) {
        if (failure) throw failure;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  }
  return { events: iterate(), result, pid };
}

function follow(argv: string[], options: RunTrainingOptions, push: (event: TrainEvent) => void, resolvePid: (pid: number) => void): Promise<TrainingResult> {
  const env = { ...(options.env ?? process.env) };
  env.PYTHONPATH = env.PYTHONPATH ? `${TRAINER_PYTHON_PATH}${delimiter}${env.PYTHONPATH}` : TRAINER_PYTHON_PATH;
  env.PYTHONUNBUFFERED = "1";
  const child = spawn(argv[0]!, argv.slice(1), { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const events: TrainEvent[] = [];
  const stderrTail: string[] = [];
  let errorEvent: TrainErrorEvent | undefined;
  let endEvent: TrainEndEvent | undefined;
  let lastStep: number | undefined;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;

  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const onAbort = () => {
    cancelled = true;
    killGroup("SIGTERM");
    killTimer = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MILLISECONDS);
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (child.pid) resolvePid(child.pid);

  createInterface({ input: child.stdout }).on("line", (line) => {
    const event = parseTrainEvent(line);
    if (!event) return;
    events.push(event);
    if (event.type === "error") errorEvent = event;
    if (event.type === "train-end") endEvent = event;
    if (event.type === "step-end") lastStep = event.step;
    push(event);
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
    options.onStderr?.(line);
  });

  return new Promise<TrainingResult>((resolve, reject) => {
    child.on("error", (error) =>
      reject(
        new TrainerProcessError({
          exitCode: null,
          signal: null,
          tracebackTail: "",
          command: argv,
          message: `could not start: ${error.message}; check the Python path (run \`graft doctor\`)`,
          cause: error,
        }),
      ),
    );
    child.on("close", (exitCode, signal) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      killGroup("SIGKILL"); // torchrun workers must not outlive their launcher
      if (cancelled) return reject(new TrainingCancelledError({ lastStep, cause: options.signal?.reason }));
      if (exitCode === 0 && endEvent) return resolve({ out: endEvent.output, step: endEvent.step, trainLoss: endEvent.train_loss, events });
      reject(
        new TrainerProcessError({
          exitCode,
          signal,
          errorType: errorEvent?.error_type,
          tracebackTail: errorEvent?.traceback_tail ?? stderrTail.join("\n"),
          command: argv,
          message: errorEvent?.message ?? (exitCode === 0 ? "exited without a train-end event" : "died without an error event (see the stderr tail)"),
        }),
      );
    });
  });
}

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { rendezvousPort, type SlurmLauncher } from "./launcher.js";
import { slurmBatchScript } from "./slurm-batch-script.js";
import { SlurmJobError } from "./slurm-job-error.js";
import { parseTrainEvent, type TrainEndEvent, type TrainEvent } from "./train-event.js";
import { type TrainJob, trainJobToJson } from "./train-job.js";
import { TRAINER_PYTHON_PATH } from "./trainer-python-path.js";
import { TrainingCancelledError } from "./training-cancelled-error.js";

/** How often the Slurm job's output file is read for new events. */
const POLL_MILLISECONDS = 2000;

export interface SlurmTrainingOptions {
  /** Interpreter on the compute nodes. */
  python: string;
  signal?: AbortSignal;
  /** Environment of `sbatch` (Slurm passes it on to the job); default this process's. */
  env?: NodeJS.ProcessEnv;
  /** Lines of the job's output that are not events (the trainer's stderr, srun's messages). */
  onOutput?: (line: string) => void;
  onEvent: (event: TrainEvent) => void;
  onPid: (pid: number) => void;
}

/**
 * Trains through Slurm: writes the (validated) job and the bridge's batch script into the
 * launcher's directory, then `sbatch --wait` blocks until the job ends while its output file is
 * followed for the trainer's events. Cancelling runs `scancel` on the job.
 */
export async function slurmTraining(
  job: TrainJob,
  launcher: SlurmLauncher,
  options: SlurmTrainingOptions,
): Promise<{ end: TrainEndEvent; events: TrainEvent[] }> {
  await mkdir(launcher.directory, { recursive: true });
  const jobFile = join(launcher.directory, "job.json");
  const script = join(launcher.directory, "train.sbatch");
  const output = join(launcher.directory, "slurm-output.txt");
  await writeFile(jobFile, `${JSON.stringify(trainJobToJson(job), null, 2)}\n`);
  await writeFile(
    script,
    slurmBatchScript({
      jobFile,
      nodes: launcher.nodes,
      gpusPerNode: launcher.gpusPerNode,
      python: options.python,
      trainerPythonPath: TRAINER_PYTHON_PATH,
      partition: launcher.partition,
      timeLimit: launcher.timeLimit,
      jobName: launcher.jobName,
      port: rendezvousPort(launcher.port),
    }),
  );
  await writeFile(output, "");
  if (options.signal?.aborted) throw new TrainingCancelledError({ cause: options.signal.reason });
  const argv = ["--wait", "--parsable", `--output=${output}`, script];
  const child = spawn(launcher.sbatch ?? "sbatch", argv, { env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid) options.onPid(child.pid);
  let jobId = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (jobId += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  let read = 0;
  const events: TrainEvent[] = [];
  let end: TrainEndEvent | undefined;
  let lastStep: number | undefined;
  let failure: string | undefined;
  const follow = () => {
    if (!existsSync(output)) return;
    const text = readFileSync(output, "utf8");
    const complete = text.lastIndexOf("\n") + 1;
    for (const line of text.slice(read, complete).split("\n")) {
      const event = parseTrainEvent(line);
      if (!event) {
        if (line.trim() !== "") options.onOutput?.(line);
        continue;
      }
      if (event.type === "train-end") end = event;
      if (event.type === "step-end") lastStep = event.step;
      if (event.type === "error") failure = `${event.error_type}: ${event.message}`;
      events.push(event);
      options.onEvent(event);
    }
    read = complete;
  };
  const timer = setInterval(follow, POLL_MILLISECONDS);
  const cancel = () => {
    const id = jobId.trim().split(";")[0];
    if (id) spawn("scancel", [id], { stdio: "ignore" }).on("error", () => {});
    child.kill("SIGTERM");
  };
  options.signal?.addEventListener("abort", cancel, { once: true });
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on("error", (error) =>
        reject(
          new SlurmJobError({
            jobId: "",
            exitCode: null,
            message: `could not run sbatch: ${error.message}; is Slurm installed here (or use the local or torchrun launcher)?`,
            cause: error,
          }),
        ),
      );
      child.on("close", resolve);
    });
    follow();
    if (options.signal?.aborted) throw new TrainingCancelledError({ lastStep, cause: options.signal.reason });
    if (exitCode !== 0 || !end)
      throw new SlurmJobError({
        jobId: jobId.trim(),
        exitCode,
        message: failure ?? (stderr.trim() || `the job ended without a train-end event; see ${output}`),
      });
    return { end, events };
  } finally {
    clearInterval(timer);
    options.signal?.removeEventListener("abort", cancel);
  }
}

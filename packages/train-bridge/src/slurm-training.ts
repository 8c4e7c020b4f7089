import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resolvePython } from "@graft/hf";
import { parseTrainEvent, slurmBatchScript, TRAINER_PYTHON_PATH, trainJobToJson, validateTrainJob, type TrainEvent, type TrainJob } from "@graft/train-bridge";
import { SlurmJobError } from "./slurm-job-error.js";

/** How often the Slurm job's output file is read for new events. */
const POLL_MILLISECONDS = 2000;
const BASE_PORT = 29500;
const PORT_SPREAD = 2000;

export interface SlurmTrainingOptions {
  nodes: number;
  gpusPerNode: number;
  partition?: string;
  timeLimit?: string;
  jobName: string;
  /** Where the job file, batch script and the job's output go (a directory every node can read). */
  directory: string;
  onEvent: (event: TrainEvent) => void;
  onLog: (line: string) => void;
  signal?: AbortSignal;
  /** `sbatch` to run (default `sbatch` on PATH). */
  sbatch?: string;
  /** Rendezvous port on the first node (default 29500 + a random offset, so jobs sharing a node do not collide). */
  port?: number;
}

/**
 * Trains through Slurm: writes the job (validated by the bridge) and the bridge's batch script, then
 * `sbatch --wait` blocks until the job ends while its output file is followed for the trainer's
 * events. The shared file system is assumed (model, shards, output and checkpoints at the same paths
 * on every node). Cancelling runs `scancel` on the job.
 */
export async function slurmTraining(job: TrainJob, options: SlurmTrainingOptions): Promise<{ step: number; trainLoss: number }> {
  const valid = validateTrainJob(job);
  const jobFile = join(options.directory, "job.json");
  const script = join(options.directory, "train.sbatch");
  const output = join(options.directory, "slurm-output.txt");
  await writeFile(jobFile, `${JSON.stringify(trainJobToJson(valid), null, 2)}\n`);
  await writeFile(script, slurmBatchScript({ jobFile, nodes: options.nodes, gpusPerNode: options.gpusPerNode, python: resolvePython().path, trainerPythonPath: TRAINER_PYTHON_PATH, partition: options.partition, timeLimit: options.timeLimit, jobName: options.jobName, port: options.port ?? BASE_PORT + Math.floor(Math.random() * PORT_SPREAD) }));
  await writeFile(output, "");
  const argv = ["--wait", "--parsable", `--output=${output}`, script];
  options.onLog(`sbatch ${argv.join(" ")}`);
  const child = spawn(options.sbatch ?? "sbatch", argv, { stdio: ["ignore", "pipe", "pipe"] });
  let jobId = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (jobId += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  let read = 0;
  let end: { step: number; trainLoss: number } | undefined;
  let failure: string | undefined;
  const follow = () => {
    if (!existsSync(output)) return;
    const text = readFileSync(output, "utf8");
    const complete = text.lastIndexOf("\n") + 1;
    for (const line of text.slice(read, complete).split("\n")) {
      const event = parseTrainEvent(line);
      if (!event) {
        if (line.trim() !== "") options.onLog(line);
        continue;
      }
      if (event.event === "train-end") end = { step: event.step, trainLoss: event.train_loss };
      if (event.event === "error") failure = `${event.type}: ${event.message}`;
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
      child.on("error", (error) => reject(new SlurmJobError({ jobId: "", exitCode: null, message: `could not run sbatch: ${error.message}; is Slurm installed here (or use launcher.type local / torchrun)?`, cause: error })));
      child.on("close", resolve);
    });
    follow();
    options.signal?.throwIfAborted();
    if (exitCode !== 0 || !end) throw new SlurmJobError({ jobId: jobId.trim(), exitCode, message: failure ?? (stderr.trim() || `the job ended without a train-end event; see ${output}`) });
    return end;
  } finally {
    clearInterval(timer);
    options.signal?.removeEventListener("abort", cancel);
  }
}

import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One trainer process on this machine. */
export interface LocalLauncher {
  kind: "local";
}

/** torchrun with N processes on this node. */
export interface TorchrunLauncher {
  kind: "torchrun";
  processesPerNode: number;
  /** Shard parameters with FSDP (full_shard + auto_wrap of decoder layers). */
  fsdp?: boolean;
  /** Rendezvous port (default 29500 + a random offset, so parallel runs do not collide). */
  port?: number;
}

/**
 * A Slurm job: the bridge's batch script (one torchrun per node, c10d rendezvous on the first)
 * submitted with `sbatch --wait`, its output file followed for the trainer's events. Model, shards,
 * output and checkpoints must be at the same paths on every node (a shared file system).
 */
export interface SlurmLauncher {
  kind: "slurm";
  nodes: number;
  gpusPerNode: number;
  /** Where the job file, batch script and the job's output go: a directory every node can read. */
  directory: string;
  partition?: string;
  timeLimit?: string;
  /** `#SBATCH --job-name` (default graft-train). */
  jobName?: string;
  /** Rendezvous port on the first node (default 29500 + a random offset, so jobs sharing a node do not collide). */
  port?: number;
  /** The `sbatch` to run (default `sbatch` on PATH). */
  sbatch?: string;
}

/** How the trainer is started: one process, torchrun with N processes on this node, or a Slurm job. */
export type Launcher = LocalLauncher | TorchrunLauncher | SlurmLauncher;

/** FSDP settings written for transformers/accelerate (`TrainingArguments.fsdp_config`). */
export function fsdpConfiguration(): Record<string, unknown> {
  return {
    // every supported architecture's decoder layer class; accelerate wraps the ones present
    transformer_layer_cls_to_wrap: ["LlamaDecoderLayer", "Qwen2DecoderLayer", "MistralDecoderLayer", "Gemma2DecoderLayer"],
    // needed when only some parameters train (embeddings / lora modes)
    use_orig_params: true,
    activation_checkpointing: false,
    sync_module_states: true,
    cpu_ram_efficient_loading: true,
  };
}

const BASE_PORT = 29500;
const PORT_SPREAD = 2000; // parallel runs pick different rendezvous ports

/** A rendezvous port: the one asked for, else 29500 + a random offset. */
export function rendezvousPort(port: number | undefined): number {
  return port ?? BASE_PORT + Math.floor(Math.random() * PORT_SPREAD);
}

/** The argv that starts the trainer on this machine, plus job fields the launcher adds (a Slurm job is submitted instead: `runTraining`). */
export async function launchCommand(
  python: string,
  jobFile: string,
  launcher: LocalLauncher | TorchrunLauncher,
  workDirectory: string,
): Promise<{ argv: string[]; jobExtra: Record<string, unknown> }> {
  if (launcher.kind === "local") return { argv: [python, "-m", "graft_trainer", "--job", jobFile], jobExtra: {} };
  const jobExtra: Record<string, unknown> = {};
  if (launcher.fsdp) {
    const configPath = join(workDirectory, "fsdp-config.json");
    await writeFile(configPath, JSON.stringify(fsdpConfiguration(), null, 2));
    jobExtra.fsdp = "full_shard auto_wrap";
    jobExtra.fsdp_config = configPath;
  }
  const port = rendezvousPort(launcher.port);
  return {
    argv: [
      python,
      "-m",
      "torch.distributed.run",
      "--nnodes",
      "1",
      "--nproc-per-node",
      String(launcher.processesPerNode),
      "--master-addr",
      "127.0.0.1",
      "--master-port",
      String(port),
      "-m",
      "graft_trainer",
      "--job",
      jobFile,
    ],
    jobExtra,
  };
}

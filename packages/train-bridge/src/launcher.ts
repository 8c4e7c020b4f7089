import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/** How the trainer is started: one process, or torchrun with N processes on this node. */
export type Launcher =
  | { kind: "local" }
  | {
      kind: "torchrun";
      processesPerNode: number;
      /** Shard parameters with FSDP (full_shard + auto_wrap of decoder layers). */
      fsdp?: boolean;
      /** Rendezvous port (default 29500 + a random offset, so parallel runs do not collide). */
      port?: number;
    };

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
const PORT_SPREAD = 2000; // parallel local runs pick different rendezvous ports

/** The argv that starts the trainer, plus job fields the launcher adds. */
export async function launchCommand(
  python: string,
  jobFile: string,
  launcher: Launcher,
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
  const port = launcher.port ?? BASE_PORT + Math.floor(Math.random() * PORT_SPREAD);
  return {
    argv: [python, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node", String(launcher.processesPerNode),
      "--master-addr", "127.0.0.1", "--master-port", String(port), "-m", "graft_trainer", "--job", jobFile],
    jobExtra,
  };
}

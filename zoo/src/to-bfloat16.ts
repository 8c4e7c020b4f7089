import { writeModelDirectory } from "@graft/hf";
import { fromFloat32, ShardedSafetensorsReader, toFloat32 } from "@graft/safetensors";

/** Copies an F32 model directory as BF16 (round to nearest even), tokenizer and configs included: the committed zoo format. */
export async function toBfloat16(source: string, out: string): Promise<void> {
  const reader = await ShardedSafetensorsReader.open(source);
  const replacements: Record<string, () => Promise<ReturnType<typeof fromFloat32>>> = {};
  for (const name of reader.tensorNames()) {
    const { shape } = await reader.info(name);
    replacements[name] = async () => fromFloat32(toFloat32(await reader.readTensor(name)), "BF16", shape);
  }
  try {
    await writeModelDirectory({ source, out, replacements, configUpdates: { torch_dtype: "bfloat16", dtype: "bfloat16" }, overwrite: true });
  } finally {
    await reader.close();
  }
}

import { fromFloat32, type ShardedSafetensorsReader, type Tensor, toFloat32 } from "@graft/safetensors";

type Floating = "F32" | "F16" | "BF16";
const FLOATING = new Set<string>(["F32", "F16", "BF16"]);

/**
 * Chat Vector arithmetic for one tensor: θ = θ_donor + (θ_instruct − θ_base), each value
 * computed in float64 and rounded once to the instruct tensor's dtype. Non-floating tensors
 * and F64 ones (rare: buffers) are the instruct model's.
 */
export async function bodyDeltaTensor({
  name,
  base,
  instruct,
  donor,
}: {
  name: string;
  base: ShardedSafetensorsReader;
  instruct: ShardedSafetensorsReader;
  donor: ShardedSafetensorsReader;
}): Promise<Tensor> {
  const instructTensor = await instruct.readTensor(name);
  if (!FLOATING.has(instructTensor.dtype)) return instructTensor;
  const target = toFloat32(instructTensor);
  const baseValues = toFloat32(await base.readTensor(name));
  const donorValues = toFloat32(await donor.readTensor(name));
  const result = new Float32Array(target.length);
  for (let index = 0; index < result.length; index += 1) result[index] = donorValues[index] + (target[index] - baseValues[index]);
  return fromFloat32(result, instructTensor.dtype as Floating, instructTensor.shape);
}

import { LAYER_PARTS, TOP } from "./llama-tensor-name.js";

const LAYER_PART_OF = new Map(Object.entries(LAYER_PARTS).map(([part, module]) => [module, part]));
const TOP_OF = new Map(Object.entries(TOP).map(([part, module]) => [module, part]));

/**
 * The llama.cpp name of a Hugging Face Llama / Mistral / Qwen2 tensor (`model.layers.3.self_attn.q_proj.bias`
 * → `blk.3.attn_q.bias`), the inverse of `llamaTensorName`; undefined for one llama.cpp has no slot for.
 */
export function ggufTensorName(name: string): string | undefined {
  const layer = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
  if (layer) {
    const part = LAYER_PART_OF.get(layer[2] as string);
    return part === undefined ? undefined : `blk.${layer[1]}.${part}.${layer[3]}`;
  }
  const top = /^(.+)\.(weight|bias)$/.exec(name);
  const part = top ? TOP_OF.get(top[1] as string) : undefined;
  return part === undefined ? undefined : `${part}.${(top as RegExpExecArray)[2]}`;
}

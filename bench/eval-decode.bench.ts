// Decode and prefill speed of graft's ONNX export on onnxruntime-node vs transformers (PyTorch CPU, eager),
// same random SmolLM2-135M-shaped Llama, batch 1, fp32, same thread count, in one run; plus graft's
// Python backend (transformers in a subprocess behind the same interface) to show its protocol overhead.
// Run: node --import tsx bench/eval-decode.bench.ts [--threads N] [--prefill N] [--decode N] [--layers N]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createTinyModel, resolvePython } from "../packages/hf/src/index.ts";
import { exportOnnx, generate, OnnxCausalModel, PythonCausalModel } from "../packages/eval/src/index.ts";
import { fixtureTokenizerDirectory } from "../packages/testing/src/index.ts";

const { values } = parseArgs({ options: { threads: { type: "string", default: "2" }, prefill: { type: "string", default: "128" }, decode: { type: "string", default: "64" }, layers: { type: "string", default: "30" } } });
const threads = Number(values.threads);
const prefill = Number(values.prefill);
const decode = Number(values.decode);
const workspace = mkdtempSync(join(tmpdir(), "graft-bench-decode-"));
try {
  const modelDirectory = join(workspace, "smollm2-shaped");
  await createTinyModel({ out: modelDirectory, tokenizerDirectory: fixtureTokenizerDirectory("llama2"), architecture: "llama", hiddenSize: 576, layers: Number(values.layers), heads: 9, kvHeads: 3, intermediateSize: 1536, vocabSize: 49152, tieWordEmbeddings: true, seed: 1 });
  await exportOnnx({ model: modelDirectory, out: `${modelDirectory}-onnx` });
  const prompt = Array.from({ length: prefill }, (_, index) => 100 + ((index * 7919) % 30000));

  const model = await OnnxCausalModel.load(`${modelDirectory}-onnx`, { threads });
  await generate(model, prompt.slice(0, 8), { maxNewTokens: 4 }); // warm-up
  const ours = await generate(model, prompt, { maxNewTokens: decode + 1 });
  await model.release();
  const ort = { prefill: prefill / ours.prefillSeconds, decode: decode / ours.decodeSeconds };

  const pythonModel = await PythonCausalModel.load(modelDirectory, { device: "cpu", threads, attention: "eager", env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  await generate(pythonModel, prompt.slice(0, 8), { maxNewTokens: 4 }); // warm-up
  const viaPython = await generate(pythonModel, prompt, { maxNewTokens: decode + 1 });
  await pythonModel.release();
  const backend = { prefill: prefill / viaPython.prefillSeconds, decode: decode / viaPython.decodeSeconds };

  const python = resolvePython().path;
  const script = `
import json, sys, time, torch
from transformers import AutoModelForCausalLM
torch.set_num_threads(${threads})
model = AutoModelForCausalLM.from_pretrained(sys.argv[1], torch_dtype=torch.float32, attn_implementation="eager").eval()
prompt = torch.tensor([json.loads(sys.argv[2])])
def run(ids, steps):
    with torch.no_grad():
        start = time.perf_counter(); out = model(ids, use_cache=True); prefill = time.perf_counter() - start
        past, token = out.past_key_values, out.logits[:, -1:].argmax(-1)
        start = time.perf_counter()
        for _ in range(steps):
            out = model(token, past_key_values=past, use_cache=True)
            past, token = out.past_key_values, out.logits[:, -1:].argmax(-1)
        return prefill, time.perf_counter() - start
run(prompt[:, :8], 4)
prefill, decode = run(prompt, ${decode})
print(json.dumps({"prefill": prompt.shape[1] / prefill, "decode": ${decode} / decode}))
`;
  const result = spawnSync(python, ["-c", script, modelDirectory, JSON.stringify(prompt)], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (result.status !== 0) throw new Error(result.stderr);
  const torch = JSON.parse(result.stdout.trim().split("\n").pop()!) as { prefill: number; decode: number };
  console.table([
    { engine: "graft onnxruntime-node", "prefill tok/s": ort.prefill.toFixed(1), "decode tok/s": ort.decode.toFixed(1) },
    { engine: "transformers (torch eager)", "prefill tok/s": torch.prefill.toFixed(1), "decode tok/s": torch.decode.toFixed(1) },
    { engine: "graft python backend (same torch eager)", "prefill tok/s": backend.prefill.toFixed(1), "decode tok/s": backend.decode.toFixed(1) },
  ]);
  console.log(`threads=${threads} prefill=${prefill} decode=${decode}: decode ratio ${(ort.decode / torch.decode).toFixed(2)}x, prefill ratio ${(ort.prefill / torch.prefill).toFixed(2)}x (target decode >= 1.5x); python backend / direct torch decode ${(backend.decode / torch.decode).toFixed(2)}x`);
} finally {
  rmSync(workspace, { recursive: true, force: true });
}

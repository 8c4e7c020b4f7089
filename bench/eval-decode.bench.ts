// Decode and prefill speed of graft's ONNX exports (standard operators and ONNX Runtime contrib operators)
// on onnxruntime-node vs transformers (PyTorch CPU, eager), same random SmolLM2-135M-shaped Llama, batch 1,
// fp32, same thread count, in one run; plus graft's Python backend (transformers in a subprocess behind the
// same interface) to show its protocol overhead. The two exports run alternately --repeat times each; the
// table shows each one's best run (the least disturbed by other jobs on a shared machine).
// Run: node --import tsx bench/eval-decode.bench.ts [--threads N] [--prefill N] [--decode N] [--layers N] [--repeat N]
// (BENCH_PEER=0 skips the two transformers rows, e.g. for a quick check of the exports alone)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EXPORT_OPERATORS, type ExportOperators, exportOnnx, generate, OnnxCausalModel, PythonCausalModel } from "../packages/eval/src/index.ts";
import { createTinyModel, fixtureTokenizerDirectory } from "../packages/testing/src/index.ts";
import { resolvePython } from "../packages/utils/src/index.ts";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "2" },
    prefill: { type: "string", default: "128" },
    decode: { type: "string", default: "64" },
    layers: { type: "string", default: "30" },
    repeat: { type: "string", default: "2" },
  },
});
const threads = Number(values.threads);
const prefill = Number(values.prefill);
const decode = Number(values.decode);
const repeat = Number(values.repeat);

interface Speed {
  prefill: number;
  decode: number;
}

/** transformers directly (a Python loop over model() with its cache) and through graft's Python backend. */
async function measurePeers(modelDirectory: string, prompt: number[]): Promise<{ torch: Speed; backend: Speed }> {
  const pythonModel = await PythonCausalModel.load(modelDirectory, {
    device: "cpu",
    threads,
    attention: "eager",
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  await generate(pythonModel, prompt.slice(0, 8), { maxNewTokens: 4 }); // warm-up
  const viaPython = await generate(pythonModel, prompt, { maxNewTokens: decode + 1 });
  await pythonModel.release();
  const backend = { prefill: prefill / viaPython.prefillSeconds, decode: decode / viaPython.decodeSeconds };

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
  const result = spawnSync(resolvePython().path, ["-c", script, modelDirectory, JSON.stringify(prompt)], {
    encoding: "utf8",
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  if (result.status !== 0) throw new Error(result.stderr);
  const torch = JSON.parse(result.stdout.trim().split("\n").pop()!) as Speed;
  return { torch, backend };
}

const workspace = mkdtempSync(join(tmpdir(), "graft-bench-decode-"));
try {
  const modelDirectory = join(workspace, "smollm2-shaped");
  await createTinyModel({
    out: modelDirectory,
    tokenizerDirectory: fixtureTokenizerDirectory("llama2"),
    architecture: "llama",
    hiddenSize: 576,
    layers: Number(values.layers),
    heads: 9,
    kvHeads: 3,
    intermediateSize: 1536,
    vocabSize: 49152,
    tieWordEmbeddings: true,
    seed: 1,
  });
  for (const operators of EXPORT_OPERATORS) await exportOnnx({ model: modelDirectory, out: `${modelDirectory}-${operators}`, operators });
  const prompt = Array.from({ length: prefill }, (_, index) => 100 + ((index * 7919) % 30000));

  const models = new Map<ExportOperators, OnnxCausalModel>();
  for (const operators of EXPORT_OPERATORS) {
    const model = await OnnxCausalModel.load(`${modelDirectory}-${operators}`, { threads });
    await generate(model, prompt.slice(0, 8), { maxNewTokens: 4 }); // warm-up
    models.set(operators, model);
  }
  const best = new Map<ExportOperators, Speed & { tokens: number[] }>();
  for (let round = 0; round < repeat; round += 1) {
    for (const operators of EXPORT_OPERATORS) {
      const run = await generate(models.get(operators)!, prompt, { maxNewTokens: decode + 1 });
      const previous = best.get(operators);
      best.set(operators, {
        prefill: Math.max(previous?.prefill ?? 0, prefill / run.prefillSeconds),
        decode: Math.max(previous?.decode ?? 0, decode / run.decodeSeconds),
        tokens: run.tokenIds,
      });
    }
  }
  for (const model of models.values()) await model.release();
  const standard = best.get("standard")!;
  const contrib = best.get("ort-contrib")!;
  const sameTokens = JSON.stringify(standard.tokens) === JSON.stringify(contrib.tokens);

  const peers = process.env.BENCH_PEER === "0" ? undefined : await measurePeers(modelDirectory, prompt);
  const row = (engine: string, speed: Speed | undefined) => ({
    engine,
    "prefill tok/s": speed?.prefill.toFixed(1) ?? "-",
    "decode tok/s": speed?.decode.toFixed(1) ?? "-",
  });
  console.table([
    row("graft onnxruntime-node, standard operators", standard),
    row("graft onnxruntime-node, ORT contrib operators", contrib),
    row("transformers (torch eager)", peers?.torch),
    row("graft python backend (same torch eager)", peers?.backend),
  ]);
  console.log(
    `threads=${threads} prefill=${prefill} decode=${decode} repeat=${repeat}: contrib / standard decode ${(contrib.decode / standard.decode).toFixed(2)}x, prefill ${(contrib.prefill / standard.prefill).toFixed(2)}x; same greedy tokens: ${sameTokens}`,
  );
  if (peers) {
    for (const [name, measured] of [
      ["standard", standard],
      ["ort-contrib", contrib],
    ] as const) {
      console.log(
        `${name} vs torch: decode ${(measured.decode / peers.torch.decode).toFixed(2)}x, prefill ${(measured.prefill / peers.torch.prefill).toFixed(2)}x (target decode >= 1.5x)`,
      );
    }
    console.log(`python backend / direct torch decode ${(peers.backend.decode / peers.torch.decode).toFixed(2)}x`);
  }
} finally {
  rmSync(workspace, { recursive: true, force: true });
}

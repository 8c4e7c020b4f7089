// Benchmark: vocabulary extension quality and speed.
// Quality: the Llama-3 tokenizer extended with 4k/8k/16k/32k merges learned from data/ru-train.txt.gz;
// characters per token on data/ru-heldout.txt.gz (a different source: the Debian handbook).
// Speed: learning 32k merges on the same text vs Python `tokenizers` BpeTrainer training a 32k
// byte-level BPE from scratch on it, same run; wall time and peak RSS of each (separate processes).
// Run: npm run bench vocab-extend   (env: BENCH_VOCAB_SIZES=4000,8000,16000,32000)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const python = process.env.GRAFT_PYTHON ?? join(root, ".venv", "bin", "python");
const sizes = (process.env.BENCH_VOCAB_SIZES ?? "4000,8000,16000,32000").split(",").map(Number);
const work = mkdtempSync(join(tmpdir(), "graft-bench-vocab-"));
const corpus = join(work, "ru-train.txt");
const text = gunzipSync(readFileSync(join(root, "data", "ru-train.txt.gz")));
writeFileSync(corpus, text);
const megabytes = text.length / 1e6;

/** Runs one extension in its own process (so peak RSS is its own). */
function extendRun(add: number): { seconds: number; rssMegabytes: number; before: number; after: number } {
  const script = `
import { extendTokenizer } from ${JSON.stringify(join(root, "packages", "vocab", "src", "index.ts"))};
import { fixtureTokenizerDirectory } from ${JSON.stringify(join(root, "packages", "testing", "src", "index.ts"))};
const started = performance.now();
const report = await extendTokenizer({ base: fixtureTokenizerDirectory("llama3"), corpus: [${JSON.stringify(corpus)}], add: ${add}, out: ${JSON.stringify(join(work, `out-${add}`))}, heldout: [${JSON.stringify(join(root, "data", "ru-heldout.txt.gz"))}], expectedScript: "Cyrillic" });
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, before: report.efficiency.before.charactersPerToken, after: report.efficiency.after.charactersPerToken, added: report.added }));
`;
  const file = join(work, `extend-${add}.mts`);
  writeFileSync(file, script);
  const result = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, "--import", "tsx", file], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  const measured = JSON.parse(result.stdout.trim().split("\n").pop() as string);
  const rssKilobytes = Number(result.stderr.trim().split("\n").pop());
  return { ...measured, rssMegabytes: rssKilobytes / 1024 };
}

try {
  console.log(`corpus: data/ru-train.txt.gz (${megabytes.toFixed(1)} MB), held-out: data/ru-heldout.txt.gz; base: Llama-3 tokenizer`);
  console.log("| new tokens | chars/token before | after | gain | wall s | peak RSS MB |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  let largest: { seconds: number; rssMegabytes: number } | undefined;
  for (const add of sizes) {
    const run = extendRun(add);
    largest = run;
    console.log(
      `| ${add} | ${run.before.toFixed(3)} | ${run.after.toFixed(3)} | +${((run.after / run.before - 1) * 100).toFixed(1)}% | ${run.seconds.toFixed(1)} | ${run.rssMegabytes.toFixed(0)} |`,
    );
  }
  const vocabSize = Math.max(...sizes);
  const peer = spawnSync(
    "/usr/bin/time",
    [
      "-f",
      "%M",
      python,
      "-c",
      `
import json, sys, time
from tokenizers import Tokenizer, models, pre_tokenizers, trainers, decoders
started = time.perf_counter()
tokenizer = Tokenizer(models.BPE())
tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tokenizer.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=${vocabSize} + 256, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
tokenizer.train([sys.argv[1]], trainer)
print(json.dumps({"seconds": time.perf_counter() - started}))
`,
      corpus,
    ],
    { encoding: "utf8", env: { ...process.env, TOKENIZERS_PARALLELISM: "true" } },
  );
  if (peer.status !== 0) throw new Error(peer.stderr);
  const reference = JSON.parse(peer.stdout.trim().split("\n").pop() as string);
  const referenceRss = Number(peer.stderr.trim().split("\n").pop()) / 1024;
  console.log("");
  console.log(`| ${vocabSize} merges on ${megabytes.toFixed(1)} MB | wall s | peak RSS MB |`);
  console.log("| --- | ---: | ---: |");
  console.log(`| graft extendTokenizer (1 thread, incl. reading, report, writing) | ${largest?.seconds.toFixed(1)} | ${largest?.rssMegabytes.toFixed(0)} |`);
  console.log(`| Python tokenizers BpeTrainer from scratch (Rust, all threads) | ${reference.seconds.toFixed(1)} | ${referenceRss.toFixed(0)} |`);
  console.log(`ratio (graft wall / BpeTrainer wall): ${((largest?.seconds ?? 0) / reference.seconds).toFixed(2)}x (target <= 1.5x)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

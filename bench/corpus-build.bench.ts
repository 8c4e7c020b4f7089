// Benchmark: @graft/corpus buildCorpus against datatrove doing the same stages in the same run:
// read JSONL → NFC/control-character clean-up → fastText lid.176 language ID (keep ru) → the same
// Gopher-style quality subset → exact dedup → tokenize with the Llama-3 tokenizer (datatrove: Rust `tokenizers`)
// → write token files. Both use the machine's cores (graft: worker threads; datatrove: one task per
// core over the same input split in as many files), both load the same lid.176.ftz model.
// Input: data/ru-train + data/en-train paragraphs as JSONL, repeated with a numbered suffix (so exact
// dedup keeps the copies) up to BENCH_MEGABYTES. Each side runs in its own process: wall time and
// peak RSS are its own.
// Run: npm run bench corpus-build   (env: BENCH_MEGABYTES=100; BENCH_PEER=0 skips datatrove, e.g. for
// the 1 GB peak-RSS check; datatrove is pip-installed on first use into .graft-cache/bench-datatrove)
import { spawnSync } from "node:child_process";
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const python = process.env.GRAFT_PYTHON ?? join(root, ".venv", "bin", "python");
const megabytes = Number(process.env.BENCH_MEGABYTES ?? 100);
const cores = availableParallelism();
const work = mkdtempSync(join(tmpdir(), "graft-bench-corpus-"));
const inputDirectory = join(work, "input");
mkdirSync(inputDirectory);
const tokenizerDirectory = join(work, "llama3");
mkdirSync(tokenizerDirectory);
const lidModel = join(root, "node_modules", "fasttext.wasm.js", "dist", "models", "language-identification", "assets", "lid.176.ftz");
const datatroveTarget = join(root, ".graft-cache", "bench-datatrove");

/** The JSONL input: real paragraphs, cycled with a numbered suffix until the size is reached, in `cores` files. */
async function writeInput(): Promise<number> {
  const paragraphs = ["ru-train.txt.gz", "en-train.txt.gz"].flatMap((file) =>
    gunzipSync(readFileSync(join(root, "data", file)))
      .toString("utf8")
      .split("\n\n")
      .filter((text) => text.trim().length > 0),
  );
  const files = Array.from({ length: cores }, (_, index) => createWriteStream(join(inputDirectory, `part-${index}.jsonl`)));
  let bytes = 0;
  let index = 0;
  for (let copy = 0; bytes < megabytes * 1e6; copy += 1) {
    for (const paragraph of paragraphs) {
      const line = `${JSON.stringify({ id: String(index), text: copy === 0 ? paragraph : `${paragraph}\n(${copy})` })}\n`;
      const file = files[index % cores]!;
      if (!file.write(line)) await new Promise((resolve) => file.once("drain", resolve));
      bytes += Buffer.byteLength(line);
      index += 1;
      if (bytes >= megabytes * 1e6) break;
    }
  }
  await Promise.all(files.map((file) => new Promise((resolve) => file.end(resolve))));
  return bytes / 1e6;
}

function ensureDatatrove(): void {
  if (
    existsSync(join(datatroveTarget, "datatrove")) &&
    existsSync(join(datatroveTarget, "fasttext")) &&
    existsSync(join(datatroveTarget, "orjson")) &&
    existsSync(join(datatroveTarget, "nltk")) &&
    existsSync(join(datatroveTarget, "fasteners"))
  )
    return;
  console.log(`installing datatrove and fasttext into ${datatroveTarget} (once) ...`);
  const install = spawnSync(
    python,
    ["-m", "pip", "install", "-q", "--target", datatroveTarget, "datatrove==0.10.1", "fasttext-numpy2-wheel", "orjson", "nltk", "fasteners"],
    { stdio: "inherit" },
  );
  if (install.status !== 0) throw new Error("pip install datatrove failed");
}

const graftScript = `
import { buildCorpus } from ${JSON.stringify(join(root, "packages", "corpus", "src", "index.ts"))};
const started = performance.now();
const { stats } = await buildCorpus({ inputs: [process.argv[2]], tokenizer: process.argv[3], sequenceLength: 2048, out: process.argv[4], languages: ["ru"], languageThreshold: 0.65, dedup: "exact", workers: Number(process.argv[5]), validFraction: 0 });
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, kept: stats.forwarded, tokens: stats.tokens, rssMegabytes: process.resourceUsage().maxRSS / 1024 }));
`;

const datatroveScript = `
import hashlib, json, re, resource, sys, time, unicodedata
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters import LambdaFilter, LanguageFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.tokens import DocumentTokenizer
from datatrove.utils import lid
# From the environment: worker processes (forkserver) import this module again, with other argv.
import os
input_dir, tokenizer_json, out_dir, model_path, tasks = (os.environ[f"GRAFT_BENCH_{name}"] for name in ("INPUT", "TOKENIZER", "OUT", "LID", "TASKS"))
tasks = int(tasks)

class LocalFT176(lid.FT176LID):
    @property
    def model(self):
        if self._model is None:
            from fasttext.FastText import _FastText
            self._model = _FastText(model_path)
        return self._model
import datatrove.pipeline.filters.language_filter as language_filter
language_filter.FT176LID = LocalFT176  # the filter's own reference: the offline model, not a download

CONTROL = re.compile("[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\u200b-\\u200d\\ufeff]")
class Clean(PipelineStep):
    name = "clean"
    def run(self, data, rank=0, world_size=1):
        for document in data:
            document.text = CONTROL.sub("", unicodedata.normalize("NFC", document.text)).strip()
            yield document

# Per task (datatrove's own exact dedup across tasks is a separate multi-stage pipeline); the input's
# numbered copies are distinct, so this drops the same few true duplicates graft's global dedup does.
seen = set()

def quality(document):
    # graft's qualityFilter subset (datatrove's GopherQualityFilter needs spaCy for Russian words).
    text = document.text
    if len(text) < 20 or len(text) > 1_000_000:
        return False
    non_space = sum(1 for c in text if not c.isspace())
    if non_space and sum(1 for c in text if c.isalpha()) / non_space < 0.5:
        return False
    lines = [line for line in text.split("\\n") if line.strip()]
    return not (len(lines) >= 4 and 1 - len(set(lines)) / len(lines) > 0.3)

def first_time(document):
    key = hashlib.md5(" ".join(document.text.lower().split()).encode()).digest()
    if key in seen:
        return False
    seen.add(key)
    return True

def main():
    started = time.perf_counter()
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(input_dir),
            Clean(),
            LanguageFilter(languages=["ru"], language_threshold=0.65),
            LambdaFilter(quality),
            LambdaFilter(first_time),
            DocumentTokenizer(output_folder=out_dir, tokenizer_name_or_path=tokenizer_json, eos_token="<|end_of_text|>", shuffle_documents=False, save_final_metadata=False),
        ],
        tasks=tasks, workers=tasks, logging_dir=out_dir + "-logs", skip_completed=False,
    ).run()
    seconds = time.perf_counter() - started
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    # The tokenizer step's counters from datatrove's merged stats: documents and tokens it wrote.
    steps = json.load(open(out_dir + "-logs/stats.json"))
    written = next(step for step in steps if "TOKENIZER" in step["name"] or "Writer" in step["name"])["stats"]
    tokens = written.get("tokens", {})
    print(json.dumps({"seconds": seconds, "rssMegabytes": rss, "tokens": tokens.get("total", tokens) if isinstance(tokens, dict) else tokens}))

if __name__ == "__main__":
    main()
`;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Record<string, number> {
  const result = spawnSync(command, args, { encoding: "utf8", env, maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`${command} failed:\n${result.stderr.slice(-4000)}`);
  return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

try {
  const written = await writeInput();
  writeFileSync(join(tokenizerDirectory, "tokenizer.json"), gunzipSync(readFileSync(join(root, "fixtures", "tokenizers", "llama3", "tokenizer.json.gz"))));
  copyFileSync(join(root, "fixtures", "tokenizers", "llama3", "tokenizer_config.json"), join(tokenizerDirectory, "tokenizer_config.json"));
  const withPeer = process.env.BENCH_PEER !== "0";
  if (withPeer) ensureDatatrove();
  console.log(
    `${written.toFixed(1)} MB of JSONL (data/ru-train + en-train, cycled) in ${cores} files; ${cores} cores; keep ru, exact dedup, Llama-3 tokenizer`,
  );
  const graftFile = join(work, "graft-run.mts");
  writeFileSync(graftFile, graftScript);
  const graft = run(process.execPath, ["--import", "tsx", graftFile, inputDirectory, tokenizerDirectory, join(work, "graft-out"), String(cores)]);
  if (!withPeer) {
    console.log(
      `| @graft/corpus buildCorpus (${cores} worker threads) | ${graft.seconds!.toFixed(1)} s | ${(written / graft.seconds!).toFixed(2)} MB/s | peak RSS ${graft.rssMegabytes!.toFixed(0)} MB | ${graft.kept} documents kept | ${graft.tokens} tokens |`,
    );
    rmSync(work, { recursive: true, force: true });
    process.exit(0);
  }
  const datatroveFile = join(work, "datatrove-run.py");
  writeFileSync(datatroveFile, datatroveScript);
  const peer = run(python, [datatroveFile], {
    ...process.env,
    PYTHONPATH: datatroveTarget,
    HF_HUB_OFFLINE: "1",
    TOKENIZERS_PARALLELISM: "false",
    GRAFT_BENCH_INPUT: inputDirectory,
    GRAFT_BENCH_TOKENIZER: join(tokenizerDirectory, "tokenizer.json"),
    GRAFT_BENCH_OUT: join(work, "datatrove-out"),
    GRAFT_BENCH_LID: lidModel,
    GRAFT_BENCH_TASKS: String(cores),
  });
  console.log("| pipeline | seconds | MB/s | peak RSS MB | documents kept | tokens | speed vs datatrove |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  console.log(
    `| @graft/corpus buildCorpus (${cores} worker threads) | ${graft.seconds!.toFixed(1)} | ${(written / graft.seconds!).toFixed(2)} | ${graft.rssMegabytes!.toFixed(0)} | ${graft.kept} | ${graft.tokens} | ${(peer.seconds! / graft.seconds!).toFixed(2)}x |`,
  );
  console.log(
    `| datatrove 0.10.1 (${cores} tasks, Rust tokenizers) | ${peer.seconds!.toFixed(1)} | ${(written / peer.seconds!).toFixed(2)} | ${peer.rssMegabytes!.toFixed(0)} (main process) | — | ${peer.tokens} | 1.00x |`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

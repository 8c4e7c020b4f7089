// Benchmark: @graft/hf's encode path (the fast encoder loadTokenizer uses by default) against the
// @huggingface/tokenizers library it accelerates and against Python `tokenizers` (Rust), on the
// same real Russian + English documents, same run, one thread each (Rust also with encode_batch).
// Run: npm run bench hf-encode   (env: BENCH_DOCUMENTS=5000 per language)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { loadTokenizer } from "../packages/hf/src/index.js";
import { FIXTURE_TOKENIZER_NAMES, fixtureTokenizerDirectory } from "../packages/testing/src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const python = process.env.GRAFT_PYTHON ?? join(root, ".venv", "bin", "python");
const count = Number(process.env.BENCH_DOCUMENTS ?? 5000);
const documentsOf = (file: string) =>
  gunzipSync(readFileSync(join(root, "data", file)))
    .toString("utf8")
    .split("\n\n")
    .slice(0, count);
const documents = [...documentsOf("ru-train.txt.gz"), ...documentsOf("en-train.txt.gz")];
const megabytes = Buffer.byteLength(documents.join("")) / 1e6;
const work = mkdtempSync(join(tmpdir(), "graft-bench-encode-"));
const input = join(work, "documents.json");
writeFileSync(input, JSON.stringify(documents));

const time = (encode: (text: string) => number[]): { seconds: number; tokens: number } => {
  encode("warm-up");
  const start = performance.now();
  let tokens = 0;
  for (const document of documents) tokens += encode(document).length;
  return { seconds: (performance.now() - start) / 1000, tokens };
};

try {
  console.log(`${documents.length} documents (data/ru-train + en-train), ${megabytes.toFixed(2)} MB`);
  console.log("| tokenizer | implementation | seconds | MB/s | tokens | vs Rust (1 thread) |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: |");
  for (const name of FIXTURE_TOKENIZER_NAMES) {
    const directory = fixtureTokenizerDirectory(name);
    const fast = await loadTokenizer(directory);
    const library = await loadTokenizer(directory, { fast: false });
    const ours = time((text) => fast.encode(text));
    const plain = time((text) => library.encode(text));
    const peer = spawnSync(
      python,
      [
        "-c",
        `
import json, sys, time
from tokenizers import Tokenizer
tokenizer = Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")
documents = json.load(open(sys.argv[2]))
tokenizer.encode("warm-up")
start = time.perf_counter(); tokens = sum(len(tokenizer.encode(d).ids) for d in documents); single = time.perf_counter() - start
start = time.perf_counter(); batch = sum(len(e.ids) for e in tokenizer.encode_batch(documents)); batched = time.perf_counter() - start
print(json.dumps({"single": single, "batched": batched, "tokens": tokens}))
`,
        directory,
        input,
      ],
      { encoding: "utf8" },
    );
    if (peer.status !== 0) throw new Error(peer.stderr);
    const rust = JSON.parse(peer.stdout.trim().split("\n").pop() as string);
    const row = (implementation: string, seconds: number, tokens: number) =>
      console.log(
        `| ${name} | ${implementation} | ${seconds.toFixed(2)} | ${(megabytes / seconds).toFixed(2)} | ${tokens} | ${(rust.single / seconds).toFixed(2)}x |`,
      );
    row("@graft/hf loadTokenizer (fast encoder)", ours.seconds, ours.tokens);
    row("@huggingface/tokenizers encode", plain.seconds, plain.tokens);
    row("Python tokenizers encode (Rust, 1 thread)", rust.single, rust.tokens);
    row("Python tokenizers encode_batch (Rust, all threads)", rust.batched, rust.tokens);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

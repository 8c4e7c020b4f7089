// Benchmark: wrap 10,000 real Russian documents in the Llama-3 chat template (InsCP format) and
// tokenize them: @graft/chat-tags (createTagger) vs transformers' apply_chat_template(tokenize=True)
// on the same documents, same run. Run: npm run bench chat-tags
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { createTagger, inscpDocument } from "../packages/chat-tags/src/index.js";
import { fixtureTokenizerDirectory } from "../packages/testing/src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const python = process.env.GRAFT_PYTHON ?? join(root, ".venv", "bin", "python");
const count = Number(process.env.BENCH_DOCUMENTS ?? 10_000);
const documents = gunzipSync(readFileSync(join(root, "data", "ru-train.txt.gz")))
  .toString("utf8")
  .split("\n\n")
  .slice(0, count);
const characters = documents.reduce((sum, document) => sum + document.length, 0);
const model = fixtureTokenizerDirectory("llama3");
const work = mkdtempSync(join(tmpdir(), "graft-bench-tags-"));
try {
  const tagger = await createTagger({ modelDirectory: model });
  await tagger.tag(inscpDocument("warm-up"));
  const start = performance.now();
  let ours = 0;
  for (const document of documents) ours += (await tagger.tag(inscpDocument(document)))[0].ids.length;
  const oursSeconds = (performance.now() - start) / 1000;
  const input = join(work, "documents.json");
  writeFileSync(input, JSON.stringify(documents));
  const peer = spawnSync(
    python,
    [
      "-c",
      `
import json, sys, time
from transformers import AutoTokenizer
tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
documents = json.load(open(sys.argv[2]))
start = time.perf_counter()
tokens = 0
for document in documents:
    ids = tokenizer.apply_chat_template([{"role": "user", "content": ""}, {"role": "assistant", "content": document}], tokenize=True)
    if hasattr(ids, "keys"): ids = ids["input_ids"]
    tokens += len(ids)
print(json.dumps({"seconds": time.perf_counter() - start, "tokens": tokens}))
`,
      model,
      input,
    ],
    { encoding: "utf8" },
  );
  if (peer.status !== 0) throw new Error(peer.stderr);
  const reference = JSON.parse(peer.stdout.trim().split("\n").pop() as string);
  console.log(`${documents.length} documents, ${(characters / 1e6).toFixed(2)} M characters (data/ru-train.txt.gz), Llama-3 tokenizer and template`);
  console.log("| implementation | seconds | documents/s | MB/s | tokens |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  console.log(
    `| @graft/chat-tags createTagger().tag | ${oursSeconds.toFixed(2)} | ${(documents.length / oursSeconds).toFixed(0)} | ${(Buffer.byteLength(documents.join("")) / 1e6 / oursSeconds).toFixed(2)} | ${ours} |`,
  );
  console.log(
    `| transformers apply_chat_template(tokenize=True) | ${reference.seconds.toFixed(2)} | ${(documents.length / reference.seconds).toFixed(0)} | ${(Buffer.byteLength(documents.join("")) / 1e6 / reference.seconds).toFixed(2)} | ${reference.tokens} |`,
  );
  console.log(
    `ratio (graft throughput / transformers): ${(reference.seconds / oursSeconds).toFixed(2)}x (tokens differ by ${ours - reference.tokens}: graft cuts the generation prompt Llama-3's template always appends)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

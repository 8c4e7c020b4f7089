// The zoo's quality floor (issue: "the embedded default"), measured and written to zoo/quality.json:
// - base: English held-out bits per character, against a unigram model of the same tokenizer
//   (token frequencies of the training text, add-one smoothed) on the same characters;
// - instruct: the share of English prompts whose greedy reply ends with the end-of-turn token, and
//   multiple-choice accuracy on held-out English tasks against chance (with a binomial p-value):
//   word order (language competence) and two knowledge tasks (WordNet definitions, capitals);
// - both: logits of graft's ONNX export against transformers (max |difference|), and the tokenizer's
//   ids against Python `tokenizers` (AutoTokenizer) on held-out text.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadChatTemplate } from "@graft/chat-tags";
import {
  bitsPerCharacter,
  type CausalLanguageModel,
  chatReply,
  exportOnnx,
  multipleChoiceAccuracy,
  OnnxCausalModel,
  PythonCausalModel,
  readMultipleChoiceTasks,
  readPromptSet,
} from "@graft/eval";
import { type GraftTokenizer, loadTokenizer } from "@graft/hf";
import { resolvePython } from "@graft/utils";
import { END_OF_TEXT, END_OF_TURN } from "./zoo-tokenizer.js";

export interface MeasureZooOptions {
  /** The repository's data/ directory. */
  data: string;
  base: string;
  instruct: string;
  /** heldout-ids.json of the instruct data: the capitals quiz items kept out of training. */
  heldoutItems: string;
  /** Scratch directory (ONNX exports). */
  work: string;
  say: (line: string) => void;
  /** Smaller samples (tests): held-out characters, English prompts, training characters for the unigram. */
  limits?: { heldoutCharacters?: number; prompts?: number; unigramCharacters?: number };
}

/** Held-out characters scored for bits per character. */
const HELDOUT_CHARACTERS = 40_000;
/** Training text (characters) counted for the unigram baseline. */
const UNIGRAM_CHARACTERS = 8_000_000;
/** New tokens a reply may take before it counts as not ending its turn. */
const REPLY_TOKENS = 96;
/** Texts compared between the ONNX export and transformers. */
const PARITY_TEXTS = 4;

function firstCharacters(path: string, count: number): string {
  const text = gunzipSync(readFileSync(path)).toString("utf8");
  return Array.from(text).slice(0, count).join("");
}

/** Bits per character of a unigram model (add-one smoothed counts over `training`) on `text`. */
function unigramBitsPerCharacter(tokenizer: GraftTokenizer, training: string, text: string): number {
  const counts = new Float64Array(tokenizer.idLimit);
  let total = 0;
  for (const id of tokenizer.encode(training, { addSpecialTokens: false })) {
    counts[id] += 1;
    total += 1;
  }
  const denominator = total + counts.length;
  let bits = 0;
  for (const id of tokenizer.encode(text, { addSpecialTokens: false })) bits -= Math.log2((counts[id] + 1) / denominator);
  return bits / Array.from(text).length;
}

/** P(X >= successes) for X ~ Binomial(trials, p): how likely chance alone does at least as well. */
function binomialTail(successes: number, trials: number, p: number): number {
  let logCoefficient = 0;
  let tail = 0;
  for (let k = 0; k <= trials; k += 1) {
    if (k > 0) logCoefficient += Math.log(trials - k + 1) - Math.log(k);
    if (k >= successes) tail += Math.exp(logCoefficient + k * Math.log(p) + (trials - k) * Math.log(1 - p));
  }
  return Math.min(1, tail);
}

/** Max |ONNX − transformers| over the logits of a few held-out texts. */
async function logitParity(onnx: CausalLanguageModel, python: CausalLanguageModel, tokenizer: GraftTokenizer, texts: readonly string[]): Promise<number> {
  let maxDifference = 0;
  for (const text of texts) {
    const inputIds = [tokenizer.encode(text, { addSpecialTokens: true }).slice(0, 128)];
    const [left, right] = [await onnx.forward({ inputIds, keepCache: false }), await python.forward({ inputIds, keepCache: false })];
    for (let index = 0; index < left.logits.length; index += 1) maxDifference = Math.max(maxDifference, Math.abs(left.logits[index] - right.logits[index]));
  }
  return maxDifference;
}

/** Whether Python's AutoTokenizer gives graft's ids on every text. */
function tokenizerParity(directory: string, tokenizer: GraftTokenizer, texts: readonly string[]): { texts: number; identical: boolean } {
  const python = resolvePython().path;
  const script =
    "import json,sys\nfrom transformers import AutoTokenizer\nt=AutoTokenizer.from_pretrained(sys.argv[1])\nprint(json.dumps([t(x)['input_ids'] for x in json.load(sys.stdin)]))";
  const run = spawnSync(python, ["-c", script, directory], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`AutoTokenizer failed on ${directory}: ${run.stderr}`);
  const expected = JSON.parse(run.stdout) as number[][];
  const identical = texts.every((text, index) => JSON.stringify(tokenizer.encode(text, { addSpecialTokens: true })) === JSON.stringify(expected[index]));
  return { texts: texts.length, identical };
}

async function withModels<T>(
  directory: string,
  onnxDirectory: string,
  use: (onnx: CausalLanguageModel, python: CausalLanguageModel) => Promise<T>,
): Promise<T> {
  await exportOnnx({ model: directory, out: onnxDirectory, overwrite: true });
  const onnx = await OnnxCausalModel.load(onnxDirectory);
  const python = await PythonCausalModel.load(directory, { device: "cpu", dtype: "float32" });
  try {
    return await use(onnx, python);
  } finally {
    await onnx.release();
    await python.release();
  }
}

export interface ZooQuality {
  base: {
    heldoutBitsPerCharacter: number;
    unigramBitsPerCharacter: number;
    heldoutCharacters: number;
    onnxVsTransformersMaxLogitDifference: number;
    tokenizerMatchesPython: { texts: number; identical: boolean };
  };
  instruct: {
    endOfTurnRate: number;
    prompts: number;
    replyTokenLimit: number;
    multipleChoice: Record<string, { accuracy: number; count: number; chance: number; pValueVsChance: number }>;
    onnxVsTransformersMaxLogitDifference: number;
    tokenizerMatchesPython: { texts: number; identical: boolean };
    sampleReplies: { prompt: string; reply: string }[];
  };
  measuredAt: string;
}

export async function measureZoo(options: MeasureZooOptions): Promise<ZooQuality> {
  const { data, say } = options;
  const heldout = firstCharacters(join(data, "en-heldout.txt.gz"), options.limits?.heldoutCharacters ?? HELDOUT_CHARACTERS);
  const paritySamples = heldout
    .split(/\n\s*\n/)
    .filter((paragraph) => paragraph.length > 80)
    .slice(0, 200);
  const tokenizer = await loadTokenizer(options.base);
  const unigram = unigramBitsPerCharacter(
    tokenizer,
    firstCharacters(join(data, "en-train.txt.gz"), options.limits?.unigramCharacters ?? UNIGRAM_CHARACTERS),
    heldout,
  );

  say("  base: bits per character, ONNX vs transformers ...");
  const base = await withModels(options.base, join(options.work, "onnx-base"), async (onnx, python) => ({
    heldoutBitsPerCharacter: (await bitsPerCharacter(onnx, tokenizer, heldout)).bitsPerCharacter,
    unigramBitsPerCharacter: unigram,
    heldoutCharacters: Array.from(heldout).length,
    onnxVsTransformersMaxLogitDifference: await logitParity(onnx, python, tokenizer, paritySamples.slice(0, PARITY_TEXTS)),
    tokenizerMatchesPython: tokenizerParity(options.base, tokenizer, paritySamples),
  }));
  say(
    `  base: ${base.heldoutBitsPerCharacter.toFixed(3)} bits/char (unigram ${unigram.toFixed(3)}), max |ONNX − transformers| ${base.onnxVsTransformersMaxLogitDifference.toExponential(2)}`,
  );

  say("  instruct: end of turn on the English prompts, multiple choice ...");
  const instructTokenizer = await loadTokenizer(options.instruct);
  const template = await loadChatTemplate(options.instruct);
  const endOfTurn = instructTokenizer.tokenToId(END_OF_TURN)!;
  const endOfText = instructTokenizer.tokenToId(END_OF_TEXT)!;
  const prompts = (await readPromptSet(join(data, "prompts-en.jsonl"), options.limits?.prompts)).prompts;
  const capitalIds = new Set((JSON.parse(await readFile(options.heldoutItems, "utf8")) as { capitals: string[] }).capitals);
  const definitions = await readMultipleChoiceTasks(join(data, "tasks-en-definitions.jsonl"));
  const wordOrder = await readMultipleChoiceTasks(join(data, "tasks-en-word-order.jsonl"));
  const capitals = (await readMultipleChoiceTasks(join(data, "tasks-en-capitals.jsonl"))).filter((task) => task.id !== undefined && capitalIds.has(task.id));
  const instruct = await withModels(options.instruct, join(options.work, "onnx-instruct"), async (onnx, python) => {
    let endedTurn = 0;
    const samples: { prompt: string; reply: string }[] = [];
    for (const [index, prompt] of prompts.entries()) {
      const { text, result } = await chatReply(onnx, instructTokenizer, template, prompt, { maxNewTokens: REPLY_TOKENS, stopTokenIds: [endOfTurn, endOfText] });
      if (result.tokenIds.at(-1) === endOfTurn) endedTurn += 1;
      if (index < 5) samples.push({ prompt, reply: text });
    }
    const tasks: ZooQuality["instruct"]["multipleChoice"] = {};
    for (const [name, set] of [
      ["en-word-order", wordOrder],
      ["en-definitions", definitions],
      ["en-capitals-heldout", capitals],
    ] as const) {
      const result = await multipleChoiceAccuracy(onnx, instructTokenizer, set);
      const chance = set.reduce((sum, task) => sum + 1 / task.choices.length, 0) / set.length;
      tasks[name] = {
        accuracy: result.accuracy,
        count: result.count,
        chance,
        pValueVsChance: binomialTail(Math.round(result.accuracy * result.count), result.count, chance),
      };
    }
    return {
      endOfTurnRate: endedTurn / prompts.length,
      prompts: prompts.length,
      replyTokenLimit: REPLY_TOKENS,
      multipleChoice: tasks,
      onnxVsTransformersMaxLogitDifference: await logitParity(onnx, python, instructTokenizer, paritySamples.slice(0, PARITY_TEXTS)),
      tokenizerMatchesPython: tokenizerParity(options.instruct, instructTokenizer, paritySamples),
      sampleReplies: samples,
    };
  });
  say(
    `  instruct: ends its turn on ${(instruct.endOfTurnRate * 100).toFixed(1)}% of ${prompts.length} prompts; multiple choice ${JSON.stringify(instruct.multipleChoice)}`,
  );
  return { base, instruct, measuredAt: new Date().toISOString() };
}

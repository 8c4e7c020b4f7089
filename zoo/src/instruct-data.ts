// English instruction data for tiny-en-instruct, built from the packaged sources only:
// WordNet glosses and fortunes' "Q: … A: …" jokes and prose paragraphs of data/en-train.txt.gz,
// and half of the capitals quiz. Evaluation items are held out: every word and definition of
// tasks-en-definitions.jsonl, every quoted word or sentence of prompts-en.jsonl, the other half of
// tasks-en-capitals.jsonl (listed in heldout-ids.json), and nothing of en-heldout.txt.gz.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { ChatMessage } from "@graft/chat-tags";
import { atomicOutputDirectory } from "@graft/hf";
import { seededShuffle } from "./seeded-shuffle.js";

/** Conversations per kind (the SFT budget is a few CPU minutes: ~1,500-2,500 short exchanges). */
const LIMITS = {
  wordMeaning: 300,
  wordExplain: 250,
  wordExample: 200,
  whichWord: 300,
  continueText: 250,
  explainPassage: 200,
  summarise: 200,
  askQuestions: 150,
  comment: 150,
  joke: 150,
  capital: 3,
} as const;
/** Prose paragraphs used for passage prompts: long enough for two sentences; only their first sentences of at most `sentence` characters are used. */
const PROSE_CHARACTERS = { min: 120, sentence: 400 };
const SEED = 20261122;

export interface InstructRecord {
  source: string;
  messages: ChatMessage[];
}

interface Gloss {
  words: string[];
  definition: string;
  examples: string[];
}

async function* paragraphs(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  let current: string[] = [];
  for await (const line of lines) {
    if (line.trim() === "") {
      if (current.length > 0) yield current.join("\n");
      current = [];
    } else current.push(line);
  }
  if (current.length > 0) yield current.join("\n");
}

const GLOSS = /^([A-Za-z][A-Za-z0-9' .-]{0,40}(?:, [A-Za-z0-9' .-]{1,40})*): ([a-z(].*)$/;

function parseGloss(paragraph: string): Gloss | undefined {
  if (paragraph.includes("\n")) return undefined;
  const match = GLOSS.exec(paragraph);
  if (!match) return undefined;
  const [definition, ...rest] = match[2]!.split("; ");
  const examples = rest.filter((part) => /^".*"$/.test(part)).map((part) => part.slice(1, -1));
  return { words: match[1]!.split(", "), definition: definition!.trim(), examples };
}

function parseJoke(paragraph: string): { question: string; answer: string } | undefined {
  const match = /^Q: ([\s\S]+?)\nA: ([\s\S]+)$/.exec(paragraph);
  if (!match || match[2]!.includes("\nQ:")) return undefined;
  const flat = (text: string) => text.replace(/\s+/g, " ").trim();
  return { question: flat(match[1]!), answer: flat(match[2]!) };
}

function sentencesOf(paragraph: string): string[] {
  return (
    paragraph
      .replace(/\s+/g, " ")
      .match(/[^.!?]+[.!?]+["')]?(\s|$)/g)
      ?.map((sentence) => sentence.trim()) ?? []
  );
}

function isProse(paragraph: string): boolean {
  if (paragraph.length < PROSE_CHARACTERS.min || !/^[A-Z]/.test(paragraph)) return false;
  const letters = (paragraph.match(/[A-Za-z ,.]/g) ?? []).length;
  if (letters / paragraph.length < 0.9) return false;
  const sentences = sentencesOf(paragraph);
  return sentences.length >= 2 && sentences.slice(0, 3).every((sentence) => sentence.length >= 20 && sentence.length <= PROSE_CHARACTERS.sentence);
}

const sentenceCase = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const withStop = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
const exchange = (source: string, user: string, assistant: string): InstructRecord => ({
  source,
  messages: [
    { role: "user", content: user },
    { role: "assistant", content: assistant },
  ],
});

/** The longest word of a sentence (a crude keyword). */
function keyword(sentence: string): string {
  return (sentence.match(/[A-Za-z]{4,}/g) ?? ["it"]).reduce((best, word) => (word.length > best.length ? word : best), "");
}

function firstWords(sentence: string, count: number): string {
  const words = sentence.replace(/[.!?]+$/, "").split(" ");
  return words.length <= count ? words.join(" ") : `${words.slice(0, count).join(" ")} …`;
}

export interface HeldOut {
  words: Set<string>;
  definitions: Set<string>;
  quoted: Set<string>;
  capitalIds: string[];
}

/** What the evaluation uses: held out of the instruction data. */
export async function heldOutItems(data: string): Promise<HeldOut> {
  const words = new Set<string>();
  const definitions = new Set<string>();
  for (const line of (await readFile(join(data, "tasks-en-definitions.jsonl"), "utf8")).split("\n").filter(Boolean)) {
    const task = JSON.parse(line) as { question: string; choices: string[]; answer: number };
    words.add(task.choices[task.answer]!.toLowerCase());
    const quoted = /"(.*)"/.exec(task.question);
    if (quoted) definitions.add(quoted[1]!);
  }
  const quoted = new Set<string>();
  for (const line of (await readFile(join(data, "prompts-en.jsonl"), "utf8")).split("\n").filter(Boolean)) {
    const match = /"(.*)"/.exec((JSON.parse(line) as { prompt: string }).prompt);
    if (match) quoted.add(match[1]!.toLowerCase());
  }
  const capitalIds: string[] = [];
  for (const line of (await readFile(join(data, "tasks-en-capitals.jsonl"), "utf8")).split("\n").filter(Boolean)) {
    const task = JSON.parse(line) as { id: string };
    if (!isTrainingCapital(task.id)) capitalIds.push(task.id);
  }
  return { words, definitions, quoted, capitalIds };
}

/** Half of the capitals quiz (by a hash of the item id) may be taught; the other half is evaluated. */
export function isTrainingCapital(id: string): boolean {
  return createHash("sha1").update(id).digest().readUInt8(0) % 2 === 0;
}

export interface BuildInstructDataOptions {
  data: string;
  out: string;
}

/** Writes `out/train.jsonl` ({source, messages}) and `out/heldout-ids.json`; returns the count per source. */
export async function buildInstructData(options: BuildInstructDataOptions): Promise<Record<string, number>> {
  const heldOut = await heldOutItems(options.data);
  const isHeldOutWord = (word: string) => heldOut.words.has(word.toLowerCase()) || heldOut.quoted.has(word.toLowerCase());
  const glosses: Gloss[] = [];
  const jokes: { question: string; answer: string }[] = [];
  const prose: string[] = [];
  for await (const paragraph of paragraphs(join(options.data, "en-train.txt.gz"))) {
    const gloss = parseGloss(paragraph);
    if (gloss) {
      if (!heldOut.definitions.has(gloss.definition) && !gloss.words.some(isHeldOutWord)) glosses.push(gloss);
      continue;
    }
    const joke = parseJoke(paragraph);
    if (joke) jokes.push(joke);
    else if (isProse(paragraph) && ![...heldOut.quoted].some((sentence) => sentence.length > 40 && paragraph.toLowerCase().includes(sentence)))
      prose.push(paragraph);
  }
  const shuffledGlosses = seededShuffle(glosses, SEED);
  const shuffledProse = seededShuffle(prose, SEED + 1);
  const records: InstructRecord[] = [];
  let glossIndex = 0;
  const nextGloss = (accept: (gloss: Gloss) => boolean = () => true): Gloss | undefined => {
    while (glossIndex < shuffledGlosses.length) {
      const gloss = shuffledGlosses[glossIndex++]!;
      if (accept(gloss)) return gloss;
    }
    return undefined;
  };
  const take = (count: number, make: () => InstructRecord | undefined | "" | false) => {
    for (let index = 0; index < count; index += 1) {
      const record = make();
      if (record) records.push(record);
    }
  };
  take(LIMITS.wordMeaning, () => {
    const gloss = nextGloss();
    return gloss && exchange("wordnet-meaning", `What does the word "${gloss.words[0]}" mean?`, `"${gloss.words[0]}" means ${withStop(gloss.definition)}`);
  });
  take(LIMITS.wordExplain, () => {
    const gloss = nextGloss();
    return (
      gloss &&
      exchange(
        "wordnet-explain",
        `Explain what "${gloss.words[0]}" is.`,
        `${sentenceCase(gloss.words[0]!)}: ${withStop(gloss.definition)}${gloss.words.length > 1 ? ` It is also called ${gloss.words.slice(1, 3).join(" or ")}.` : ""}`,
      )
    );
  });
  take(LIMITS.wordExample, () => {
    const gloss = nextGloss((candidate) => candidate.examples.some((example) => example.includes(candidate.words[0]!)));
    const example = gloss?.examples.find((candidate) => candidate.includes(gloss.words[0]!));
    return gloss && example && exchange("wordnet-example", `Give an example sentence with the word "${gloss.words[0]}".`, withStop(sentenceCase(example)));
  });
  take(LIMITS.whichWord, () => {
    const gloss = nextGloss();
    return gloss && exchange("wordnet-which-word", `Which word means "${gloss.definition}"?`, `${gloss.words[0]}`);
  });
  let proseIndex = 0;
  // The pool of clean prose is small (~250 paragraphs): the passage kinds cycle through it.
  const nextProse = () => shuffledProse[proseIndex++ % shuffledProse.length];
  take(LIMITS.continueText, () => {
    const paragraph = nextProse();
    const sentences = paragraph ? sentencesOf(paragraph) : [];
    return sentences.length >= 2 ? exchange("prose-continue", `Continue the text: "${sentences[0]}"`, sentences[1]!) : undefined;
  });
  take(LIMITS.explainPassage, () => {
    const sentence = nextProse() && sentencesOf(shuffledProse[(proseIndex - 1) % shuffledProse.length]!)[0];
    return (
      sentence &&
      exchange("prose-explain", `Explain in simple words what this passage says: "${sentence}"`, `The passage is about ${keyword(sentence).toLowerCase()}.`)
    );
  });
  take(LIMITS.summarise, () => {
    const sentence = nextProse() && sentencesOf(shuffledProse[(proseIndex - 1) % shuffledProse.length]!)[0];
    return sentence && exchange("prose-summarise", `Summarise briefly in your own words: "${sentence}"`, `In short: ${withStop(firstWords(sentence, 6))}`);
  });
  take(LIMITS.askQuestions, () => {
    const sentence = nextProse() && sentencesOf(shuffledProse[(proseIndex - 1) % shuffledProse.length]!)[0];
    const topic = sentence && keyword(sentence).toLowerCase();
    return (
      sentence &&
      exchange(
        "prose-questions",
        `Ask three questions about this text: "${sentence}"`,
        `1. What does the text say about ${topic}?\n2. Why does ${topic} matter here?\n3. What happens next?`,
      )
    );
  });
  take(LIMITS.comment, () => {
    const sentence = nextProse() && sentencesOf(shuffledProse[(proseIndex - 1) % shuffledProse.length]!)[0];
    return (
      sentence &&
      exchange(
        "prose-comment",
        `Write a short comment on this sentence: "${sentence}"`,
        `This sentence is about ${keyword(sentence).toLowerCase()}. It is ${sentence.split(" ").length > 20 ? "long but" : "short and"} clear.`,
      )
    );
  });
  for (const joke of seededShuffle(jokes, SEED + 2).slice(0, LIMITS.joke)) records.push(exchange("fortune-qa", joke.question, joke.answer));
  for (const line of (await readFile(join(options.data, "tasks-en-capitals.jsonl"), "utf8")).split("\n").filter(Boolean)) {
    const task = JSON.parse(line) as { id: string; question: string; choices: string[]; answer: number };
    if (!isTrainingCapital(task.id)) continue;
    const question = task.question.replace(/\nAnswer:$/, "");
    const country = /capital of (.*)\?$/.exec(question)?.[1] ?? "it";
    for (let copy = 0; copy < LIMITS.capital; copy += 1)
      records.push(exchange("capitals", question, `The capital of ${country} is ${task.choices[task.answer]}.`));
  }

  const shuffled = seededShuffle(records, SEED + 3);
  const counts: Record<string, number> = {};
  for (const record of shuffled) counts[record.source] = (counts[record.source] ?? 0) + 1;
  await mkdir(options.out, { recursive: true });
  await atomicOutputDirectory(
    options.out,
    async (directory) => {
      await writeFile(join(directory, "train.jsonl"), `${shuffled.map((record) => JSON.stringify(record)).join("\n")}\n`);
      await writeFile(
        join(directory, "heldout-ids.json"),
        `${JSON.stringify({ capitals: heldOut.capitalIds, definitionWords: heldOut.words.size, promptQuotes: heldOut.quoted.size }, null, 2)}\n`,
      );
    },
    { overwrite: true },
  );
  return counts;
}

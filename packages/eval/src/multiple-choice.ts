import { readFile } from "node:fs/promises";
import type { GraftTokenizer } from "@graft/hf";
import type { CausalLanguageModel } from "./causal-language-model.js";
import { scoreContinuations } from "./score-continuations.js";
import { TaskFileError } from "./task-file-error.js";

export interface MultipleChoiceTask {
  id?: string;
  question: string;
  choices: string[];
  answer: number;
}

/** Reads a JSONL task file, validating every line (typed error with the line number). */
export async function readMultipleChoiceTasks(path: string): Promise<MultipleChoiceTask[]> {
  const tasks: MultipleChoiceTask[] = [];
  const lines = (await readFile(path, "utf8")).split("\n");
  lines.forEach((text, index) => {
    if (!text.trim()) return;
    const line = index + 1;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new TaskFileError({ path, line, message: `not valid JSON (${(error as Error).message})` });
    }
    const { question, choices, answer } = parsed;
    if (typeof question !== "string") throw new TaskFileError({ path, line, message: '"question" must be a string' });
    if (!Array.isArray(choices) || choices.length < 2 || !choices.every((choice) => typeof choice === "string")) {
      throw new TaskFileError({ path, line, message: '"choices" must be an array of at least two strings' });
    }
    if (!Number.isInteger(answer) || (answer as number) < 0 || (answer as number) >= choices.length) {
      throw new TaskFileError({ path, line, message: `"answer" ${JSON.stringify(answer)} is out of range for ${choices.length} choices` });
    }
    tasks.push({ id: typeof parsed.id === "string" ? parsed.id : undefined, question, choices: choices as string[], answer: answer as number });
  });
  return tasks;
}

export interface MultipleChoiceResult {
  accuracy: number;
  count: number;
  /** Tasks answered correctly. */
  correct: number;
  /** Index picked for each task. */
  predictions: number[];
}

/** Accuracy by length-normalised log-likelihood (per character of the choice, lm-eval's acc_norm). */
export async function multipleChoiceAccuracy(
  model: CausalLanguageModel,
  tokenizer: GraftTokenizer,
  tasks: readonly MultipleChoiceTask[],
): Promise<MultipleChoiceResult> {
  const requests = tasks.flatMap((task) => {
    const context = tokenizer.encode(task.question);
    return task.choices.map((choice) => ({ context, continuation: tokenizer.encode(` ${choice}`, { addSpecialTokens: false }) }));
  });
  const scores = await scoreContinuations(model, requests);
  const predictions: number[] = [];
  let offset = 0;
  let correct = 0;
  for (const task of tasks) {
    let best = 0;
    let bestValue = -Infinity;
    task.choices.forEach((choice, index) => {
      const value = scores[offset + index]!.logLikelihood / Math.max(1, [...` ${choice}`].length);
      if (value > bestValue) {
        bestValue = value;
        best = index;
      }
    });
    offset += task.choices.length;
    predictions.push(best);
    if (best === task.answer) correct += 1;
  }
  return { accuracy: tasks.length ? correct / tasks.length : 0, count: tasks.length, correct, predictions };
}

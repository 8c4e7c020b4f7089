import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { ChatMessage } from "./render-chat-template.js";
import { type ChatSample, conversation, inscpDocument, inscpPair, plain, type SampleFormat } from "./sample-formats.js";
import { SampleInputError } from "./sample-input-error.js";

export interface ReadSamplesOptions {
  format: SampleFormat;
  /** Field holding the text (inscp-document, plain); default "text". */
  textField?: string;
  /** inscp-pair: keep the pair as one user/assistant exchange. */
  keepExchange?: boolean;
  /** What to do with a bad line: skip it and count it (default), or stop with a typed error. */
  onError?: "skip" | "stop";
}

export interface ReadSamplesStats {
  lines: number;
  samples: number;
  skipped: number;
  /** 1-based line numbers of the first bad lines (up to 20), with the reason. */
  firstSkipped: { line: number; reason: string }[];
}

const MAX_REPORTED_SKIPS = 20;

function samplesOf(record: Record<string, unknown>, options: ReadSamplesOptions, path: string, line: number): ChatSample[] {
  const metadata = { source: path, line };
  const text = (field: string) => {
    const value = record[field];
    if (typeof value !== "string")
      throw new SampleInputError({ path, line, message: `field "${field}" is missing or not a string (format ${options.format})` });
    return value;
  };
  switch (options.format) {
    case "inscp-document":
      return [inscpDocument(text(options.textField ?? "text").normalize("NFC"), metadata)];
    case "plain":
      return [plain(text(options.textField ?? "text").normalize("NFC"), metadata)];
    case "inscp-pair": {
      const question = typeof record.question === "string" ? "question" : "instruction";
      const answer = typeof record.answer === "string" ? "answer" : "output";
      return inscpPair({ question: text(question).normalize("NFC"), answer: text(answer).normalize("NFC") }, { keepExchange: options.keepExchange, metadata });
    }
    case "conversation": {
      const messages = record.messages;
      if (!Array.isArray(messages) || !messages.every((message) => message && typeof message.role === "string" && typeof message.content === "string")) {
        throw new SampleInputError({ path, line, message: 'field "messages" must be a list of {role, content} strings' });
      }
      return [
        conversation(
          (messages as ChatMessage[]).map((message) => ({ ...message, content: message.content.normalize("NFC") })),
          metadata,
        ),
      ];
    }
  }
}

/** Streams samples from a JSONL file; bad lines are skipped and counted (or stop the read). */
export async function* readSamples(path: string, options: ReadSamplesOptions, stats?: ReadSamplesStats): AsyncGenerator<ChatSample> {
  const counts = stats ?? { lines: 0, samples: 0, skipped: 0, firstSkipped: [] };
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line += 1;
    counts.lines += 1;
    if (raw.trim() === "") continue;
    let samples: ChatSample[];
    try {
      let record: unknown;
      try {
        record = JSON.parse(raw);
      } catch (error) {
        throw new SampleInputError({ path, line, message: `not valid JSON (${(error as Error).message})`, cause: error });
      }
      if (!record || typeof record !== "object" || Array.isArray(record)) throw new SampleInputError({ path, line, message: "not a JSON object" });
      samples = samplesOf(record as Record<string, unknown>, options, path, line);
    } catch (error) {
      if (options.onError === "stop" || !SampleInputError.isInstance(error)) throw error;
      counts.skipped += 1;
      if (counts.firstSkipped.length < MAX_REPORTED_SKIPS) counts.firstSkipped.push({ line, reason: (error as Error).message });
      continue;
    }
    for (const sample of samples) {
      counts.samples += 1;
      yield sample;
    }
  }
}

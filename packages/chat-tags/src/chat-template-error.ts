import { GraftError } from "@graft/errors";

const marker = "graft.error.ChatTemplateError";
const symbol = Symbol.for(marker);

/** A model without a chat template, or a template that failed or raised while rendering. */
export class ChatTemplateError extends GraftError {
  private readonly [symbol] = true;
  readonly path?: string;
  /** 1-based line of the input sample, when rendering one from a file. */
  readonly line?: number;

  constructor({ message, path, line, cause }: { message: string; path?: string; line?: number; cause?: unknown }) {
    super({ name: "ChatTemplateError", message: `${path ? `${path}${line ? `:${line}` : ""}: ` : ""}${message}`, cause });
    this.path = path;
    this.line = line;
  }

  static override isInstance(error: unknown): error is ChatTemplateError {
    return GraftError.hasMarker(error, marker);
  }
}

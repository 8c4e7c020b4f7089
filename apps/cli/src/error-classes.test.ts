// Every error class a graft package exports has its own marker and its own `isInstance`: an
// instance passes its own class's check and its ancestors', never another class's. The classes
// are found by importing every package's public entry (packages/*/src/index.ts, a new package
// included) and this app's; each needs one example of its constructor's arguments below, and a
// class without one fails here rather than being skipped.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { GraftError } from "@graft/errors";
import { repositoryRoot } from "@graft/testing";
import { describe, expect, it } from "vitest";

type ErrorClass = (new (options: never) => Error) & { isInstance?: (error: unknown) => boolean };

/** One constructor argument per exported error class, by class name. */
const EXAMPLE_ARGUMENTS: Record<string, Record<string, unknown>> = {
  GraftError: { name: "GraftError", message: "something was wrong" },
  // @graft/safetensors
  SafetensorsError: { name: "SafetensorsError", message: "tensor written twice", path: "/m" },
  InvalidHeaderError: { path: "/m/model.safetensors", message: "not valid JSON" },
  TensorNotFoundError: { path: "/m/model.safetensors", tensorName: "a.weight", available: ["b.weight"] },
  ReadRangeError: { path: "/m/model.safetensors", tensorName: "a.weight", message: "rows 4..8 of 4" },
  // @graft/hf
  ConfigError: { path: "/m/config.json", field: "hidden_size", message: "must be a positive integer" },
  ModelDirectoryError: { path: "/m", message: "no config.json" },
  OutputDirectoryExistsError: { path: "/out" },
  OutputFileExistsError: { path: "/out.gguf" },
  OutputOverlapsInputError: { path: "/m", input: "/m" },
  TokenizerLoadError: { path: "/m", message: "no tokenizer.json" },
  // @graft/gguf
  GgufExportTensorError: { path: "/m", tensorName: "model.embed_tokens.weight", dtype: "I32", message: "is not floating point" },
  GgufExportUnsupportedError: { path: "/m/config.json", feature: "architecture", value: "gemma3", supported: ["llama", "mistral", "qwen2"] },
  GgufFormatError: { path: "/m.gguf", message: "not a GGUF file" },
  GgufMetadataError: { path: "/m.gguf", key: "llama.block_count", message: "missing" },
  GgufTensorTypeError: { path: "/m.gguf", tensorName: "blk.0.attn_q.weight", typeId: 6, typeName: "Q5_0", supported: ["F32", "Q4_K"] },
  GgufTruncatedError: { path: "/m.gguf", part: "header", needed: 200, size: 100 },
  GgufUnsupportedError: { path: "/m.gguf", feature: "architecture", value: "gemma3", supported: ["llama"] },
  // @graft/chat-tags
  ChatTemplateError: { message: "no chat template", path: "/m" },
  SampleInputError: { path: "/in.jsonl", line: 2, message: "not JSON" },
  SampleTooLongError: { tokens: 90, maxLength: 64, excerpt: "word word" },
  // @graft/corpus
  CorpusInputError: { path: "/in.csv", message: "unknown format" },
  CorpusResumeError: { path: "/out", setting: "sequenceLength", expected: 64, found: 32 },
  CorpusWorkerError: { workerName: "worker 1", originalName: "TypeError", message: "x is undefined" },
  // @graft/vocab
  InitMethodError: { method: "mean", module: "model.embed_tokens.weight", tokenId: 7, message: "weight is NaN" },
  UnsupportedTokenizerError: { path: "/m", modelType: "Unigram" },
  VocabularyInputError: { problem: "empty-corpus", message: "no text" },
  // @graft/eval
  ExportOptionError: { option: "operators", value: "fancy", allowed: ["standard", "ort-contrib"] },
  PromptFileError: { path: "/prompts.jsonl", line: 3, message: "no prompt" },
  ReportFileError: { path: "/report.json", message: "is not JSON" },
  PythonBackendError: { directory: "/m", message: "the process died", exitCode: 1 },
  TaskFileError: { path: "/tasks.jsonl", line: 1, message: "answer out of range" },
  UnsupportedArchitectureError: { architecture: "gpt2", path: "/m", supported: ["llama"] },
  // @graft/lep
  LepInputError: { path: "/m", mismatch: "hidden_size", message: "sizes differ" },
  SingularSystemError: { module: "model.embed_tokens.weight", ridge: 0, pivotIndex: 3, message: "not positive definite" },
  // @graft/train-bridge
  TrainJobError: { field: "maxSteps", reason: "must be positive" },
  TrainerProcessError: { exitCode: 1, signal: null, tracebackTail: "Traceback ...", command: ["python", "-m", "graft_train"], message: "failed" },
  TrainingCancelledError: { lastStep: 3 },
  SlurmJobError: { jobId: "42", exitCode: null, message: "the job failed" },
  // @graft/adapt
  AdaptConfigError: { path: "/adapt.yaml", field: "base", message: "is required" },
  ForeignOutputError: { stage: "corpus", path: "/out/corpus", markerFile: ".graft-stage.json" },
  RunLockedError: { path: "/out", pid: 1 },
  StageFailedError: { stage: "embeddings", logPath: "/out/logs/embeddings.log", cause: new Error("x") },
  StageGraphError: { stage: "embeddings", message: "reads an unlisted stage" },
  UnknownStageError: { option: "from", stage: "x", stages: ["init"] },
  // @graft/cli
  UsageError: { command: "corpus build", message: "missing --out" },
  FileSystemError: { code: "ENOENT", path: "/in.txt", syscall: "open", message: "ENOENT: no such file or directory, open '/in.txt'" },
};

const root = repositoryRoot();
const entries = [
  ...readdirSync(join(root, "packages"))
    .map((name) => join(root, "packages", name, "src", "index.ts"))
    .filter((path) => existsSync(path)),
  join(root, "apps", "cli", "src", "index.ts"),
];

function isErrorClass(value: unknown): value is ErrorClass {
  return typeof value === "function" && (value === Error || value.prototype instanceof Error);
}

/** Exported error classes (also inside `export * as name` namespaces), each once, with the entries exporting it. */
async function exportedErrorClasses(): Promise<Map<ErrorClass, string[]>> {
  const found = new Map<ErrorClass, string[]>();
  const visit = (value: unknown, entry: string) => {
    if (isErrorClass(value)) found.set(value, [...(found.get(value) ?? []), entry]);
    else if (value !== null && typeof value === "object" && Object.prototype.toString.call(value) === "[object Module]") {
      for (const inner of Object.values(value)) visit(inner, entry);
    }
  };
  for (const entry of entries) {
    const module: Record<string, unknown> = await import(entry);
    for (const value of Object.values(module)) visit(value, entry.slice(root.length + 1));
  }
  return found;
}

/** The class's ancestors up to and including GraftError (or Error). */
function ancestorsOf(errorClass: ErrorClass): ErrorClass[] {
  const ancestors: ErrorClass[] = [];
  for (let parent = Object.getPrototypeOf(errorClass); isErrorClass(parent); parent = Object.getPrototypeOf(parent)) ancestors.push(parent);
  return ancestors;
}

const classes = await exportedErrorClasses();

describe("exported error classes", () => {
  it("were found (every package's entry was imported)", () => {
    expect(entries.length).toBeGreaterThan(8);
    expect(classes.size).toBeGreaterThan(20);
  });

  it("each have example constructor arguments, and every example names an exported class", () => {
    const names = [...classes.keys()].map((errorClass) => errorClass.name);
    expect(
      names.filter((name) => !(name in EXAMPLE_ARGUMENTS)),
      "exported error classes without an entry in EXAMPLE_ARGUMENTS",
    ).toEqual([]);
    expect(
      Object.keys(EXAMPLE_ARGUMENTS).filter((name) => !names.includes(name)),
      "EXAMPLE_ARGUMENTS entries no package exports",
    ).toEqual([]);
  });

  it("have distinct names", () => {
    const names = [...classes.keys()].map((errorClass) => errorClass.name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  for (const [errorClass, exportedFrom] of classes) {
    it(`${errorClass.name} (${exportedFrom.join(", ")}) has its own isInstance, true for itself and its ancestors only`, () => {
      const example = EXAMPLE_ARGUMENTS[errorClass.name];
      expect(example, `add ${errorClass.name} to EXAMPLE_ARGUMENTS`).toBeDefined();
      expect(Object.hasOwn(errorClass, "isInstance"), `${errorClass.name} declares its own static isInstance`).toBe(true);
      const error = new errorClass(example as never);
      expect(error).toBeInstanceOf(errorClass);
      expect(error.name).toBe(errorClass.name);
      expect(GraftError.isInstance(error), "GraftError.isInstance").toBe(true);
      expect(errorClass.isInstance?.(error), `${errorClass.name}.isInstance`).toBe(true);
      const ancestors = ancestorsOf(errorClass);
      for (const ancestor of ancestors.filter((candidate) => candidate !== Error))
        expect(ancestor.isInstance?.(error), `${ancestor.name}.isInstance (an ancestor)`).toBe(true);
      const others = [...classes.keys()].filter((other) => other !== errorClass && !ancestors.includes(other));
      expect(
        others.filter((other) => other.isInstance?.(error)).map((other) => other.name),
        "other classes whose isInstance accepts it",
      ).toEqual([]);
    });
  }
});

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { AdaptConfigError, checkAdaptPaths, EXAMPLE_CONFIG, EXAMPLE_INSTRUCT_ONLY_CONFIG, loadAdaptConfig, parseAdaptConfig } from "./adapt-config.js";
import { adaptStages } from "./adapt-stages.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

/** The example with one change, as YAML text. */
function edited(change: (config: Record<string, any>) => void): string {
  const config = parse(EXAMPLE_CONFIG) as Record<string, any>;
  change(config);
  return stringify(config);
}

function errorOf(action: () => unknown): AdaptConfigError {
  try {
    action();
  } catch (error) {
    if (AdaptConfigError.isInstance(error)) return error as AdaptConfigError;
    throw error;
  }
  throw new Error("no error thrown");
}

describe("parseAdaptConfig", () => {
  it("accepts the --init example and resolves paths against the config file", () => {
    const config = parseAdaptConfig(EXAMPLE_CONFIG, "/projects/ru/adapt.yaml");
    expect(config.base).toBe("/projects/ru/models/llama-3-8b");
    expect(config.corpus.inputs).toEqual(["/projects/ru/data/ru-train.txt.gz"]);
    expect(config.eval.prompts).toEqual(["/projects/ru/data/prompts-ru.jsonl", "/projects/ru/data/prompts-en.jsonl"]);
    expect(config.inscp?.on).toEqual(["lep", "instruct"]);
    expect(config.launcher).toEqual({ type: "local" });
  });

  it("reads JSON, and a plain list as corpus inputs", () => {
    const config = parse(EXAMPLE_CONFIG) as Record<string, unknown>;
    const parsed = parseAdaptConfig(JSON.stringify({ ...config, corpus: ["a.txt", "b.txt"] }), "/x/adapt.json");
    expect(parsed.corpus).toEqual({ inputs: ["/x/a.txt", "/x/b.txt"] });
  });

  const broken = [
    {
      name: "unknown top-level option, with a suggestion",
      change: (c: any) => (c.lanugage = "ru"),
      field: "lanugage",
      message: /unknown option \(did you mean "language"\?\)/,
    },
    {
      name: "unknown stage option",
      change: (c: any) => (c.embeddings.learnigRate = 1),
      field: "embeddings.learnigRate",
      message: /did you mean "learningRate"/,
    },
    {
      name: "unknown launcher option for its type",
      change: (c: any) => (c.launcher = { type: "local", processesPerNode: 8 }),
      field: "launcher.processesPerNode",
      message: /unknown option/,
    },
    { name: "torchrun without processes", change: (c: any) => (c.launcher = { type: "torchrun" }), field: "launcher.processesPerNode", message: /is required/ },
    { name: "unknown launcher", change: (c: any) => (c.launcher = { type: "kubernetes" }), field: "launcher.type", message: /one of local, torchrun, slurm/ },
    { name: "vocab.add not a number", change: (c: any) => (c.vocab.add = "many"), field: "vocab.add", message: /must be an integer, not "many"/ },
    { name: "negative learning rate", change: (c: any) => (c.embeddings.learningRate = -1), field: "embeddings.learningRate", message: /greater than 0/ },
    { name: "missing maxSteps", change: (c: any) => delete c.inscp.maxSteps, field: "inscp.maxSteps", message: /is required/ },
    { name: "InsCP on an unknown model", change: (c: any) => (c.inscp.on = ["base"]), field: "inscp.on", message: /may only list lep, instruct/ },
    { name: "missing eval section", change: (c: any) => delete c.eval, field: "eval", message: /is required/ },
    { name: "bad language code", change: (c: any) => (c.language = "Russian"), field: "language", message: /ISO 639/ },
    { name: "lep mode", change: (c: any) => (c.lep.mode = "magic"), field: "lep.mode", message: /conversion, overlap, swap/ },
  ];
  it.each(broken)("names the field: $name", ({ change, field, message }) => {
    const error = errorOf(() => parseAdaptConfig(edited(change), "adapt.yaml"));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`adapt.yaml: ${field}: `)).toBe(true);
  });

  it("names the file when it is not YAML", () => {
    expect(errorOf(() => parseAdaptConfig("base: [unclosed", "adapt.yaml")).field).toBe("(file)");
  });
});

describe("checkAdaptPaths", () => {
  const root = join(work.path, "paths");
  for (const model of ["base", "instruct"]) {
    mkdirSync(join(root, "models", model), { recursive: true });
    for (const file of ["config.json", "tokenizer.json"]) writeFileSync(join(root, "models", model, file), "{}");
  }
  mkdirSync(join(root, "data"), { recursive: true });
  for (const file of ["ru-train.txt.gz", "ru-heldout.txt.gz", "en-heldout.txt.gz", "prompts-ru.jsonl", "prompts-en.jsonl", "tasks-ru-translation.jsonl"])
    writeFileSync(join(root, "data", file), "");
  const valid = (change: (config: Record<string, any>) => void = () => {}) =>
    edited((config) => {
      config.base = "models/base";
      config.instruct = "models/instruct";
      change(config);
    });

  it("passes when every path exists", async () => {
    writeFileSync(join(root, "adapt.yaml"), valid());
    await expect(loadAdaptConfig(join(root, "adapt.yaml"))).resolves.toMatchObject({ base: join(root, "models/base") });
  });

  const wrong = [
    { name: "a missing model directory", change: (c: any) => (c.instruct = "models/nope"), field: "instruct", message: /is not a directory/ },
    { name: "a model directory without config.json", change: (c: any) => (c.base = "data"), field: "base", message: /has no config\.json/ },
    {
      name: "a missing corpus file",
      change: (c: any) => (c.corpus.inputs = ["data/ru-train.txt.gz", "data/ru-more.txt.gz"]),
      field: "corpus.inputs[1]",
      message: /ru-more\.txt\.gz does not exist/,
    },
    { name: "a missing task file", change: (c: any) => (c.eval.tasks = ["data/tasks.jsonl"]), field: "eval.tasks[0]", message: /does not exist/ },
  ];
  it.each(wrong)("fails before any work on $name", ({ change, field, message }) => {
    const path = join(root, "adapt.yaml");
    const error = errorOf(() => checkAdaptPaths(parseAdaptConfig(valid(change), path), path));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe("instruct-only configs (no base)", () => {
  /** The example without base and lep, InsCP on the vocabulary-adapted instruct model and the original. */
  const instructOnly = (change: (config: Record<string, any>) => void = () => {}) =>
    edited((config) => {
      delete config.base;
      delete config.lep;
      config.inscp.on = ["embeddings", "instruct"];
      change(config);
    });

  it("accepts the --init --instruct-only example; its stages have no lep", () => {
    const config = parseAdaptConfig(EXAMPLE_INSTRUCT_ONLY_CONFIG, "/projects/ru/adapt.yaml");
    expect(config.base).toBeUndefined();
    expect(config.embeddings.newTokensOnly).toBe(true);
    expect(adaptStages(config).map((stage) => stage.name)).toEqual([
      "corpus",
      "vocab",
      "init",
      "shards-embeddings",
      "embeddings-instruct",
      "shards-inscp-instruct",
      "inscp-instruct",
      "inscp-embeddings",
      "eval",
    ]);
  });

  it("without inscp: the embeddings CP, then the report on the original and the adapted model", () => {
    const config = parseAdaptConfig(
      instructOnly((c) => delete c.inscp),
      "/projects/ru/adapt.yaml",
    );
    const stages = adaptStages(config);
    expect(stages.map((stage) => stage.name)).toEqual(["corpus", "vocab", "init", "shards-embeddings", "embeddings-instruct", "eval"]);
    expect(stages.at(-1)?.settings).toMatchObject({ models: [{ name: "instruct" }, { name: "embeddings", stage: "embeddings-instruct" }] });
  });

  it("parses without base and lep", () => {
    const config = parseAdaptConfig(instructOnly(), "/projects/ru/adapt.yaml");
    expect(config.base).toBeUndefined();
    expect(config.lep).toBeUndefined();
    expect(config.instruct).toBe("/projects/ru/models/llama-3-8b-instruct");
    expect(config.inscp?.on).toEqual(["embeddings", "instruct"]);
  });

  it("checks the instruct model's path only", () => {
    const root = join(work.path, "instruct-only");
    mkdirSync(join(root, "models", "instruct"), { recursive: true });
    for (const file of ["config.json", "tokenizer.json"]) writeFileSync(join(root, "models", "instruct", file), "{}");
    const path = join(root, "adapt.yaml");
    const config = parseAdaptConfig(
      instructOnly((c) => {
        c.instruct = "models/instruct";
        c.corpus.inputs = ["adapt.yaml"];
        c.eval = { heldout: "adapt.yaml" };
      }),
      path,
    );
    writeFileSync(path, "");
    expect(() => checkAdaptPaths(config, path)).not.toThrow();
  });

  const broken = [
    { name: "lep without base", config: () => instructOnly((c) => (c.lep = { mode: "conversion" })), field: "lep", message: /needs base/ },
    { name: "an empty lep without base", config: () => instructOnly((c) => (c.lep = {})), field: "lep", message: /needs base/ },
    { name: "InsCP on lep without base", config: () => instructOnly((c) => (c.inscp.on = ["lep"])), field: "inscp.on", message: /lists lep, which needs base/ },
    {
      name: "InsCP on lep and embeddings without base",
      config: () => instructOnly((c) => (c.inscp.on = ["embeddings", "lep"])),
      field: "inscp.on",
      message: /lists lep, which needs base/,
    },
    {
      name: "InsCP on embeddings with base",
      config: () => edited((c) => (c.inscp.on = ["lep", "embeddings"])),
      field: "inscp.on",
      message: /lists embeddings, the instruct-only pipeline's model/,
    },
    {
      name: "InsCP on an unknown model",
      config: () => instructOnly((c) => (c.inscp.on = ["base"])),
      field: "inscp.on",
      message: /may only list lep, instruct, embeddings/,
    },
    { name: "no instruct model", config: () => instructOnly((c) => delete c.instruct), field: "instruct", message: /is required/ },
    {
      name: "a misspelt newTokensOnly",
      config: () => instructOnly((c) => (c.embeddings.newTokenOnly = true)),
      field: "embeddings.newTokenOnly",
      message: /did you mean "newTokensOnly"/,
    },
  ];
  it.each(broken)("names the field: $name", ({ config, field, message }) => {
    const error = errorOf(() => parseAdaptConfig(config(), "adapt.yaml"));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`adapt.yaml: ${field}: `)).toBe(true);
  });
});

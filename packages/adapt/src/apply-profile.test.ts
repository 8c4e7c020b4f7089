import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "@graft/testing";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { EXAMPLE_INSTRUCT_ONLY_CONFIG, parseAdaptConfig } from "./adapt-config.js";
import { AdaptConfigError } from "./adapt-config-error.js";
import { adaptStages } from "./adapt-stages.js";
import { mergeProfile } from "./apply-profile.js";

/** The instruct-only example with cpu and gpu profiles. */
function withProfiles(extra: Record<string, unknown> = {}): string {
  const config = parse(EXAMPLE_INSTRUCT_ONLY_CONFIG) as Record<string, unknown>;
  return stringify({
    ...config,
    ...extra,
    profiles: {
      cpu: { out: "runs/cpu", embeddings: { maxSteps: 10 }, corpus: { maxDocuments: 100 } },
      gpu: { out: "runs/gpu", inscp: { on: ["embeddings"], maxSteps: 9000 }, eval: { prompts: ["p.jsonl"] } },
    },
  });
}

function errorOf(action: () => unknown): AdaptConfigError {
  try {
    action();
  } catch (error) {
    if (AdaptConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("no error thrown");
}

describe("config profiles", () => {
  it("merge mappings key by key and replace lists and scalars", () => {
    expect(mergeProfile({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: { e: 1 } })).toEqual({ a: { b: 1, c: [3] }, d: { e: 1 } });
  });

  it("--profile picks one: only its fields change, the rest of the file stays", () => {
    const cpu = parseAdaptConfig(withProfiles(), "/p/adapt.yaml", { profile: "cpu" });
    const gpu = parseAdaptConfig(withProfiles(), "/p/adapt.yaml", { profile: "gpu" });
    expect(cpu.out).toBe("/p/runs/cpu");
    expect(cpu.embeddings.maxSteps).toBe(10);
    expect(cpu.embeddings.learningRate).toBe(2e-4);
    expect(cpu.corpus.maxDocuments).toBe(100);
    expect(cpu.corpus.inputs).toEqual(["/p/data/ru-train.txt.gz"]);
    expect(cpu.inscp?.on).toEqual(["embeddings", "instruct"]);
    expect(gpu.out).toBe("/p/runs/gpu");
    expect(gpu.inscp?.on).toEqual(["embeddings"]);
    expect(gpu.inscp?.maxSteps).toBe(9000);
    expect(gpu.inscp?.mode).toBe("lora");
    expect(gpu.eval.prompts).toEqual(["/p/p.jsonl"]);
    expect(adaptStages(gpu).map((stage) => stage.name)).not.toContain("inscp-instruct");
  });

  it("defaultProfile applies without --profile; --profile overrides it; no profile leaves the file as it is", () => {
    expect(parseAdaptConfig(withProfiles({ defaultProfile: "gpu" }), "/p/a.yaml").out).toBe("/p/runs/gpu");
    expect(parseAdaptConfig(withProfiles({ defaultProfile: "gpu" }), "/p/a.yaml", { profile: "cpu" }).out).toBe("/p/runs/cpu");
    expect(parseAdaptConfig(withProfiles(), "/p/a.yaml").out).toBe("/p/runs/adapt-ru-instruct");
  });

  const broken = [
    {
      name: "an unknown profile, with the closest",
      text: withProfiles(),
      profile: "gpy",
      field: "profiles",
      message: /no profile "gpy" \(did you mean "gpu"\?\); the file defines cpu, gpu/,
    },
    { name: "--profile on a file without profiles", text: EXAMPLE_INSTRUCT_ONLY_CONFIG, profile: "cpu", field: "profiles", message: /defines no profiles/ },
    { name: "a defaultProfile the file does not define", text: withProfiles({ defaultProfile: "tpu" }), field: "defaultProfile", message: /no profile "tpu"/ },
    {
      name: "profiles that are not a mapping",
      text: stringify({ ...parse(EXAMPLE_INSTRUCT_ONLY_CONFIG), profiles: ["cpu"] }),
      field: "profiles",
      message: /must be a mapping/,
    },
    {
      name: "a bad field from the profile names the profile",
      text: stringify({ ...parse(EXAMPLE_INSTRUCT_ONLY_CONFIG), profiles: { cpu: { embeddings: { maxSteps: 0 } } } }),
      profile: "cpu",
      field: "embeddings.maxSteps",
      message: /at least 1.*with profile cpu merged/,
    },
  ];
  it.each(broken)("refuse $name", ({ text, profile, field, message }) => {
    const error = errorOf(() => parseAdaptConfig(text, "/p/a.yaml", { profile }));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("the shipped real-model recipe parses in both profiles, with English replay", () => {
    const path = join(repositoryRoot(), "examples", "smollm2-ru.yaml");
    const text = readFileSync(path, "utf8");
    for (const profile of ["cpu", "gpu"]) {
      const config = parseAdaptConfig(text, path, { profile });
      expect(config.base).toBeUndefined();
      expect(config.out).toBe(join(repositoryRoot(), "demo-output", `smollm2-ru-${profile}`));
      expect(config.corpus.replay?.inputs).toEqual([join(repositoryRoot(), "data", "en-train.txt.gz")]);
      expect(config.eval.alignmentPrompts).toBeGreaterThanOrEqual(200);
    }
    expect(parseAdaptConfig(text, path).out).toBe(join(repositoryRoot(), "demo-output", "smollm2-ru-cpu"));
  });

  it("refuses a replay in the target language and a share outside (0, 0.9]", () => {
    const replay = (value: unknown) => stringify({ ...parse(EXAMPLE_INSTRUCT_ONLY_CONFIG), corpus: { inputs: ["a.txt"], replay: value } });
    expect(errorOf(() => parseAdaptConfig(replay({ inputs: ["en.txt"], share: 0.2, language: "ru" }), "/p/a.yaml")).field).toBe("corpus.replay.language");
    expect(errorOf(() => parseAdaptConfig(replay({ inputs: ["en.txt"], share: 1 }), "/p/a.yaml")).field).toBe("corpus.replay.share");
    expect(errorOf(() => parseAdaptConfig(replay({ inputs: ["en.txt"], share: 0 }), "/p/a.yaml")).field).toBe("corpus.replay.share");
    expect(errorOf(() => parseAdaptConfig(replay({ share: 0.2 }), "/p/a.yaml")).field).toBe("corpus.replay.inputs");
  });
});

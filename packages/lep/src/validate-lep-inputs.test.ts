import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeModelDirectory } from "@graft/hf";
import { fromFloat32, ShardedSafetensorsReader, toFloat32 } from "@graft/safetensors";
import { createTinyModel, fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LepInputError } from "./lep-error.js";
import { propagateEmbeddings } from "./propagate-embeddings.js";
import { SingularSystemError } from "./singular-system-error.js";
import { buildLepFixture, type LepFixture } from "./testing/lep-fixture.js";

const work = temporaryDirectory("graft-lep-validate-");
let fixture: LepFixture;
afterAll(() => work.remove());
beforeAll(async () => {
  fixture = await buildLepFixture({ directory: work.path, tied: false, dtype: "F32" });
});

/** A copy of `source` with tokenizer.json edited by `edit`. */
async function withTokenizer(source: string, name: string, edit: (vocab: Record<string, number>) => void): Promise<string> {
  const json = JSON.parse(readFileSync(join(source, "tokenizer.json"), "utf8"));
  edit(json.model.vocab);
  const out = join(work.path, name);
  await writeModelDirectory({ source, out, files: { "tokenizer.json": JSON.stringify(json) } });
  return out;
}

/** Renames three base tokens (ids kept): a vocabulary that lost them. */
function renameTokens(vocab: Record<string, number>): void {
  for (const token of ["Ġthe", "Ġand", "ing"]) {
    vocab[`${token}_renamed`] = vocab[token];
    delete vocab[token];
  }
}

const cases: {
  name: string;
  prepare: () => Promise<{ base?: string; instruct?: string; donor?: string }>;
  ridgeFallback?: boolean;
  mismatch?: string;
  errorClass?: typeof SingularSystemError;
  message: RegExp;
}[] = [
  {
    name: "a donor of another hidden size",
    prepare: async () => ({
      donor: await createTinyModel({
        out: join(work.path, "narrow"),
        tokenizerDirectory: fixtureTokenizerDirectory("llama3"),
        hiddenSize: 16,
        layers: 1,
        heads: 4,
        kvHeads: 2,
        intermediateSize: 48,
      }),
    }),
    mismatch: "hidden_size",
    message: /donor model .*narrow has hidden_size 16, the instruct model .* has 32/,
  },
  {
    name: "an untied instruct model without lm_head",
    prepare: async () => {
      const out = join(work.path, "headless");
      await writeModelDirectory({ source: fixture.instruct, out, drop: ["lm_head.weight"] });
      return { instruct: out };
    },
    mismatch: "missing-lm-head",
    message: /instruct model .*headless has no tensor lm_head\.weight although config\.json says tie_word_embeddings: false/,
  },
  {
    name: "a tied donor for untied models",
    prepare: async () => {
      const out = join(work.path, "tied-donor");
      await writeModelDirectory({ source: fixture.donor, out, drop: ["lm_head.weight"], configUpdates: { tie_word_embeddings: true } });
      return { donor: out };
    },
    mismatch: "tie_word_embeddings",
    message: /donor model .* has tie_word_embeddings true, the instruct model has false/,
  },
  {
    name: "an instruct model missing a body tensor",
    prepare: async () => {
      const out = join(work.path, "no-norm");
      await writeModelDirectory({ source: fixture.instruct, out, drop: ["model.norm.weight"] });
      return { instruct: out };
    },
    mismatch: "tensor-names",
    message: /missing from the base: |only in the base: "model\.norm\.weight"/,
  },
  {
    name: "a donor tokenizer that lost base tokens",
    prepare: async () => ({ donor: await withTokenizer(fixture.donor, "lossy-donor", renameTokens) }),
    mismatch: "base-vocabulary",
    message: /lacks 3 of the base vocabulary's 128000 tokens \((?=[^)]*"Ġthe")(?=[^)]*"Ġand")(?=[^)]*"ing")/,
  },
  {
    name: "an instruct model with another vocabulary",
    prepare: async () => ({ instruct: await withTokenizer(fixture.instruct, "other-vocabulary", renameTokens) }),
    mismatch: "shared-vocabulary",
    message: /do not share a vocabulary .*different or missing: (?=[^)]*"Ġthe")(?=[^)]*"Ġand")(?=[^)]*"ing")/,
  },
  {
    name: "a singular system without ridge",
    prepare: async () => {
      // Base embedding column 5 repeats column 2: ŜᵀŜ is singular.
      const reader = await ShardedSafetensorsReader.open(fixture.base);
      const tensor = await reader.readTensor("model.embed_tokens.weight");
      await reader.close();
      const values = toFloat32(tensor).slice();
      const width = tensor.shape[1];
      for (let row = 0; row < tensor.shape[0]; row += 1) values[row * width + 5] = values[row * width + 2];
      const out = join(work.path, "singular-base");
      await writeModelDirectory({ source: fixture.base, out, replacements: { "model.embed_tokens.weight": fromFloat32(values, "F32", tensor.shape) } });
      return { base: out };
    },
    ridgeFallback: false,
    errorClass: SingularSystemError,
    message: /model\.embed_tokens\.weight: the normal equations over 128048 rows are not positive definite .*pass a ridge \(--ridge/,
  },
];

describe("propagateEmbeddings refuses inputs that do not fit", () => {
  for (const [index, testCase] of cases.entries()) {
    it(testCase.name, async () => {
      const inputs = { base: fixture.base, instruct: fixture.instruct, donor: fixture.donor, ...(await testCase.prepare()) };
      const out = join(work.path, `out-${index}`);
      const run = propagateEmbeddings({ ...inputs, out, mode: "conversion", ridgeFallback: testCase.ridgeFallback });
      const error = await run.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      if (testCase.errorClass) expect(testCase.errorClass.isInstance(error), String(error)).toBe(true);
      else {
        expect(LepInputError.isInstance(error), String(error)).toBe(true);
        expect((error as LepInputError).mismatch).toBe(testCase.mismatch);
      }
      expect((error as Error).message).toMatch(testCase.message);
      // Validation and fitting come before writing: nothing half-done is left behind.
      expect(existsSync(out)).toBe(false);
    });
  }

  it("with the ridge fallback, the singular system is solved and the report says so", async () => {
    const out = join(work.path, "out-fallback");
    const { report } = await propagateEmbeddings({
      base: join(work.path, "singular-base"),
      instruct: fixture.instruct,
      donor: fixture.donor,
      out,
      mode: "conversion",
    });
    const [embed, head] = report.modules;
    expect(embed.ridgeFallbackUsed).toBe(true);
    expect(embed.ridge).toBeGreaterThan(0);
    expect(head.ridgeFallbackUsed).toBe(false);
  });
});

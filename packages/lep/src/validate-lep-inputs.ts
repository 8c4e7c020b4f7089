import type { GraftTokenizer, ModelDirectory, TokenizerJson } from "@graft/hf";
import { LepInputError } from "./lep-error.js";

export const EMBED_TOKENS = "model.embed_tokens.weight";
export const LM_HEAD = "lm_head.weight";
/** Dtypes an embedding may have: the ones written back without loss of meaning. */
export const EMBEDDING_DTYPES = ["F32", "F16", "BF16"] as const;
/** Examples listed in a mismatch message before "and N more". */
const LISTED_EXAMPLES = 5;

export interface LepModel {
  role: "base" | "instruct" | "donor";
  model: ModelDirectory;
}

export interface LepTokenizers {
  base: GraftTokenizer;
  instruct: GraftTokenizer;
  donor: GraftTokenizer;
}

export interface ValidatedInputs {
  tied: boolean;
  /** Modules to propagate: `model.embed_tokens.weight`, and `lm_head.weight` unless tied. */
  modules: string[];
  hiddenSize: number;
  /** Rows of the donor's embedding matrix. */
  donorRows: number;
  /** Tensors other than the embeddings (the body), in the instruct model's order. */
  bodyTensors: string[];
}

function listed(values: string[]): string {
  const head = values
    .slice(0, LISTED_EXAMPLES)
    .map((value) => JSON.stringify(value))
    .join(", ");
  return values.length > LISTED_EXAMPLES ? `${head} and ${values.length - LISTED_EXAMPLES} more` : head;
}

/** token → id of the model vocabulary (BPE/WordPiece map, or the index of a Unigram list). */
export function modelVocabulary(json: TokenizerJson): Map<string, number> {
  const vocab = json.model.vocab;
  if (Array.isArray(vocab)) return new Map(vocab.map(([token], index) => [token, index]));
  return new Map(Object.entries(vocab ?? {}));
}

function isTied({ model }: LepModel): boolean {
  return model.config.tie_word_embeddings === true;
}

/**
 * Checks, before any work and before the (slow) tokenizers load, that base, instruct and donor
 * have the same architecture: hidden sizes, tying, embedding tensors and dtypes, tensor names
 * (and shapes with `bodyDelta`). Throws LepInputError naming the mismatch.
 */
export async function validateLepModels({
  base,
  instruct,
  donor,
  bodyDelta,
}: {
  base: LepModel;
  instruct: LepModel;
  donor: LepModel;
  bodyDelta: boolean;
}): Promise<ValidatedInputs> {
  const models = [base, instruct, donor];
  const hiddenSize = instruct.model.config.hidden_size;
  for (const entry of models) {
    if (entry.model.config.hidden_size !== hiddenSize) {
      throw new LepInputError({
        path: entry.model.path,
        mismatch: "hidden_size",
        message: `${entry.role} model ${entry.model.path} has hidden_size ${entry.model.config.hidden_size}, the instruct model ${instruct.model.path} has ${hiddenSize}: LEP needs the base, instruct and donor of one model family`,
      });
    }
  }
  const tied = isTied(instruct);
  for (const entry of models) {
    if (isTied(entry) !== tied) {
      throw new LepInputError({
        path: entry.model.path,
        mismatch: "tie_word_embeddings",
        message: `${entry.role} model ${entry.model.path} has tie_word_embeddings ${isTied(entry)}, the instruct model has ${tied}: base, instruct and donor must tie (or not) alike`,
      });
    }
  }
  const modules = tied ? [EMBED_TOKENS] : [EMBED_TOKENS, LM_HEAD];
  for (const entry of models) {
    for (const name of modules) {
      if (!entry.model.weights.has(name)) {
        const mismatch = name === LM_HEAD ? "missing-lm-head" : "missing-embeddings";
        const why = name === LM_HEAD ? " although config.json says tie_word_embeddings: false (an untied model needs its own head)" : "";
        throw new LepInputError({ path: entry.model.path, mismatch, message: `${entry.role} model ${entry.model.path} has no tensor ${name}${why}` });
      }
      const info = await entry.model.weights.info(name);
      if (info.shape.length !== 2 || info.shape[1] !== hiddenSize) {
        throw new LepInputError({
          path: entry.model.path,
          mismatch: "hidden_size",
          message: `${entry.role} model ${entry.model.path}: ${name} has shape ${JSON.stringify(info.shape)}, expected [rows, ${hiddenSize}] (hidden_size)`,
        });
      }
      if (!(EMBEDDING_DTYPES as readonly string[]).includes(info.dtype)) {
        throw new LepInputError({
          path: entry.model.path,
          mismatch: "dtype",
          message: `${entry.role} model ${entry.model.path}: ${name} is ${info.dtype}; LEP reads and writes ${EMBEDDING_DTYPES.join(", ")}`,
        });
      }
    }
  }

  const embeddingNames = new Set([EMBED_TOKENS, LM_HEAD]);
  const bodyOf = (entry: LepModel) => entry.model.weights.tensorNames().filter((name) => !embeddingNames.has(name));
  const bodyTensors = bodyOf(instruct);
  for (const entry of bodyDelta ? [base, donor] : [base]) {
    const names = new Set(bodyOf(entry));
    const missing = bodyTensors.filter((name) => !names.has(name));
    const extra = [...names].filter((name) => !bodyTensors.includes(name));
    if (missing.length > 0 || extra.length > 0) {
      throw new LepInputError({
        path: entry.model.path,
        mismatch: "tensor-names",
        message: `${entry.role} model ${entry.model.path} and the instruct model ${instruct.model.path} have different tensors (${missing.length > 0 ? `missing from the ${entry.role}: ${listed(missing)}` : ""}${missing.length > 0 && extra.length > 0 ? "; " : ""}${extra.length > 0 ? `only in the ${entry.role}: ${listed(extra)}` : ""}): they are not the same architecture`,
      });
    }
    if (bodyDelta) {
      for (const name of bodyTensors) {
        const [expected, actual] = [await instruct.model.weights.info(name), await entry.model.weights.info(name)];
        if (JSON.stringify(expected.shape) !== JSON.stringify(actual.shape)) {
          throw new LepInputError({
            path: entry.model.path,
            mismatch: "tensor-shapes",
            message: `${entry.role} model ${entry.model.path}: ${name} has shape ${JSON.stringify(actual.shape)}, the instruct model's is ${JSON.stringify(expected.shape)}`,
          });
        }
      }
    }
  }

  const donorRows = (await donor.model.weights.info(EMBED_TOKENS)).shape[0];
  return { tied, modules, hiddenSize, donorRows, bodyTensors };
}

/**
 * Checks the tokenizers against each other and the models: base and instruct share one model
 * vocabulary, the donor tokenizer contains the base vocabulary, every embedding matrix has a
 * row for every token id. Throws LepInputError naming the mismatch.
 */
export async function validateLepVocabularies({
  base,
  instruct,
  donor,
  tokenizers,
  modules,
}: {
  base: LepModel;
  instruct: LepModel;
  donor: LepModel;
  tokenizers: LepTokenizers;
  modules: string[];
}): Promise<void> {
  for (const entry of [base, instruct, donor]) {
    const tokenizer = tokenizers[entry.role];
    for (const name of modules) {
      const rows = (await entry.model.weights.info(name)).shape[0];
      if (rows < tokenizer.idLimit) {
        throw new LepInputError({
          path: entry.model.path,
          mismatch: "embedding-rows",
          message: `${entry.role} model ${entry.model.path}: ${name} has ${rows} rows but its tokenizer uses ids up to ${tokenizer.idLimit - 1}: resize the embeddings first`,
        });
      }
    }
  }
  const baseVocabulary = modelVocabulary(tokenizers.base.json);
  const instructVocabulary = modelVocabulary(tokenizers.instruct.json);
  const differing = [...baseVocabulary].filter(([token, id]) => instructVocabulary.get(token) !== id).map(([token]) => token);
  if (differing.length > 0 || baseVocabulary.size !== instructVocabulary.size) {
    throw new LepInputError({
      path: instruct.model.path,
      mismatch: "shared-vocabulary",
      message: `the base (${base.model.path}) and instruct (${instruct.model.path}) tokenizers do not share a vocabulary (${baseVocabulary.size} vs ${instructVocabulary.size} model tokens${differing.length > 0 ? `; different or missing: ${listed(differing)}` : ""}): LEP maps one base model's embedding space onto its own instruct model`,
    });
  }
  const lost = [...baseVocabulary.keys()].filter((token) => tokenizers.donor.tokenToId(token) === undefined);
  if (lost.length > 0) {
    throw new LepInputError({
      path: donor.model.path,
      mismatch: "base-vocabulary",
      message: `the donor tokenizer (${donor.model.path}) lacks ${lost.length} of the base vocabulary's ${baseVocabulary.size} tokens (${listed(lost)}): the donor must extend the base tokenizer (graft vocab extend), not replace it`,
    });
  }
}

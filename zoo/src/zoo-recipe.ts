// Every setting of `npm run zoo` in one place (the README's recipe table is this file).

/** Model shape: Llama-3 layout at a CPU-trainable size (about 5.0M parameters, untied). */
export const MODEL = {
  architecture: "llama" as const,
  hiddenSize: 256,
  layers: 4,
  heads: 4,
  /** Grouped-query attention as in Llama-3 (2 KV heads for 4 query heads). */
  kvHeads: 2,
  intermediateSize: 688,
  /** Untied like Llama-3-8B: LEP then has both an input and an output side to propagate. */
  tieWordEmbeddings: false,
  initializerRange: 0.02,
  seed: 20261122,
};

/** Pretraining of tiny-en-base: about 11 minutes on 2 CPU cores (fp32, ~1,850 tokens/s). */
export const PRETRAIN = {
  sequenceLength: 256,
  perDeviceBatchSize: 4,
  maxSteps: 1200,
  learningRate: 3e-3,
  warmupSteps: 20,
  weightDecay: 0.1,
  validFraction: 0.002,
  saveSteps: 200,
  seed: 1,
};

/** Supervised tuning of tiny-en-instruct (full, assistant-only loss). */
export const INSTRUCT = {
  sequenceLength: 256,
  perDeviceBatchSize: 8,
  maxSteps: 600,
  learningRate: 1e-3,
  warmupSteps: 10,
  weightDecay: 0.0,
  saveSteps: 200,
  seed: 2,
};

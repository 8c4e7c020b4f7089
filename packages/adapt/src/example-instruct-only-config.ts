/** A commented instruct-only example (no base model), written by `graft adapt --init --instruct-only` (parsed by the tests). */
export const EXAMPLE_INSTRUCT_ONLY_CONFIG = `# graft adapt without a base model: adapt an instruct model to a new language when only the
# instruct model is at hand (no LEP). Paths are relative to this file. Stages, in order:
#   corpus -> vocab -> init -> shards-embeddings -> embeddings-instruct
#   -> shards-inscp-instruct -> inscp-instruct -> inscp-embeddings -> eval
# vocab extends the instruct model's own tokenizer; init gives the instruct model rows for the new
# tokens; embeddings-instruct trains only its embeddings on the corpus wrapped in its chat template
# (InsCP documents), so the chat behaviour of the other weights is untouched; InsCP then continues
# on that model (embeddings) and/or on the original (instruct). --dry-run shows the plan and why.

instruct: models/llama-3-8b-instruct    # the instruct model: its tokenizer and embeddings are extended
language: ru                            # ISO 639-1 code of the target language
script: Cyrillic                        # its Unicode script: new tokens must contain it
out: runs/adapt-ru-instruct             # work directory: one sub-directory per stage, logs/

corpus:                                 # target-language text, cleaned once and shared by every stage
  inputs: [data/ru-train.txt.gz]        # .txt / .jsonl (optionally .gz) files or directories
  languageFilter: true                  # keep documents fastText lid.176 labels as the language
  dedup: exact                          # exact | none

vocab:                                  # extend the instruct tokenizer with merges learned on the corpus
  add: 32000                            # new tokens
  mergeOrder: append                    # append (English encodings barely change) | prepend
  padToMultipleOf: 64                   # embedding rows
  init: mean                            # mean | merge-tree: initial rows of the new tokens

sequenceLength: 2048                    # tokens per training sequence

embeddings:                             # embedding-only CP of the instruct model on InsCP documents
  maxSteps: 5000
  learningRate: 2.0e-4
  batchSize: 8                          # sequences per device per micro-step
  gradientAccumulationSteps: 32
  warmupSteps: 100
  weightDecay: 0.1
  checkpointSteps: 500                  # a killed run resumes from the last checkpoint
  newTokensOnly: true                   # train only the new rows: every original row stays bit for bit

inscp:                                  # optional: InsCP (documents in the chat template), omit to skip
  on: [embeddings, instruct]            # the vocabulary-adapted model and/or the original instruct model
  mode: lora                            # full | lora
  loraRank: 16
  maxSteps: 2000
  learningRate: 1.0e-4
  batchSize: 8
  checkpointSteps: 200

eval:                                   # the report comparing the original and each adapted model
  heldout: data/ru-heldout.txt.gz       # held-out target-language text (bits per character)
  heldoutEnglish: data/en-heldout.txt.gz
  prompts: [data/prompts-ru.jsonl, data/prompts-en.jsonl]   # language alignment of chat replies
  alignmentPrompts: 20                  # prompts per file

launcher:
  type: local                           # local | torchrun | slurm (see graft adapt --init)
`;

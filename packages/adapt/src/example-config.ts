/** A commented example, written by `graft adapt --init` (parsed by the tests, so it stays valid). */
export const EXAMPLE_CONFIG = `# graft adapt: adapt an instruct model to a new language (LEP + InsCP).
# Paths are relative to this file. Stages, in order:
#   corpus -> vocab -> init -> shards-embeddings -> embeddings -> lep
#   -> shards-inscp-lep -> inscp-lep -> shards-inscp-instruct -> inscp-instruct -> eval
# Each stage's output is keyed by its settings, inputs and upstream stages: a rerun skips what is
# finished (graft adapt --config FILE --dry-run shows the plan and why), --from STAGE redoes a stage
# and what depends on it, and a killed run resumes (training from its last checkpoint).

base: models/llama-3-8b                 # the base model: its embeddings learn the new vocabulary
instruct: models/llama-3-8b-instruct    # the instruct model of the same base: gets them by LEP
language: ru                            # ISO 639-1 code of the target language
script: Cyrillic                        # its Unicode script: new tokens must contain it
out: runs/adapt-ru                      # work directory: one sub-directory per stage, logs/

corpus:                                 # target-language text, cleaned once and shared by every stage
  inputs: [data/ru-train.txt.gz]        # .txt / .jsonl (optionally .gz) files or directories
  # maxDocuments: 100000                # read only the first N documents
  languageFilter: true                  # keep documents fastText lid.176 labels as the language
  languageThreshold: 0.5
  minCharacters: 20
  dedup: exact                          # exact | none

vocab:                                  # extend the base tokenizer with merges learned on the corpus
  add: 32000                            # new tokens
  mergeOrder: append                    # append (base encodings barely change) | prepend
  padToMultipleOf: 64                   # embedding rows
  init: mean                            # mean | merge-tree: initial rows of the new tokens

sequenceLength: 2048                    # tokens per training sequence

embeddings:                             # embedding-only continued pre-training of the base
  maxSteps: 20000
  learningRate: 2.0e-4                  # 2e-4 for Llama-3, 1e-4 for Mistral (LEP paper)
  batchSize: 8                          # sequences per device per micro-step
  gradientAccumulationSteps: 32
  warmupSteps: 100
  weightDecay: 0.1
  checkpointSteps: 500                  # a killed run resumes from the last checkpoint
  # newTokensOnly: false                # train only the new rows

lep:
  mode: conversion                      # conversion | overlap | swap
  ridge: 0

inscp:                                  # optional: InsCP (documents in the chat template), omit to skip
  on: [lep, instruct]                   # on the LEP result and/or the original instruct model
  mode: full                            # full | lora
  maxSteps: 2000
  learningRate: 1.0e-5
  batchSize: 8
  checkpointSteps: 200

eval:                                   # the report comparing every model
  heldout: data/ru-heldout.txt.gz       # held-out target-language text (bits per character)
  heldoutEnglish: data/en-heldout.txt.gz
  prompts: [data/prompts-ru.jsonl, data/prompts-en.jsonl]   # language alignment of chat replies
  tasks: [data/tasks-ru-translation.jsonl]                  # multiple choice
  alignmentPrompts: 200                 # prompts per file (95% intervals of about ±0.07)

launcher:                               # how the training stages start
  type: local                           # local | torchrun | slurm
  # type: torchrun
  # processesPerNode: 8
  # fsdp: true
  # type: slurm                         # sbatch --wait on a batch script, one torchrun per node
  # nodes: 4
  # gpusPerNode: 8
  # partition: gpu
  # timeLimit: "24:00:00"
`;

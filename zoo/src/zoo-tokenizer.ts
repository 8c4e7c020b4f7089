// The zoo's tokenizer: a Llama-3-style byte-level BPE learned from the English corpus by graft's
// own trainer (@graft/vocab `replaceTokenizer`, a fresh BPE of a skeleton's family), with
// Llama-3's special tokens and chat template. Byte-level so that any text (Russian included,
// which the demo adds later) is encodable through the 256 byte tokens.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bytesToUnicode } from "@graft/hf";
import { type ReplacementReport, replaceTokenizer } from "@graft/vocab";

/** Llama-3's pre-tokenizer split (words, 1-3 digit groups, punctuation runs, newlines, spaces). */
export const LLAMA3_SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export const BEGIN_OF_TEXT = "<|begin_of_text|>";
export const END_OF_TEXT = "<|end_of_text|>";
export const END_OF_TURN = "<|eot_id|>";
export const PAD = "<|finetune_right_pad_id|>";

/** Special tokens after the model vocabulary, as Llama-3 places them (8 rows: a multiple of 8). */
export const SPECIAL_TOKENS = [
  BEGIN_OF_TEXT,
  END_OF_TEXT,
  "<|start_header_id|>",
  "<|end_header_id|>",
  END_OF_TURN,
  PAD,
  "<|reserved_special_token_0|>",
  "<|reserved_special_token_1|>",
] as const;

/** Llama-3-Instruct's template (BOS once, header / content / <|eot_id|> per message), with `add_generation_prompt` honoured. */
export const ZOO_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

/** Model-vocabulary entries (256 bytes + merges); with the 8 specials the embedding has 4096 rows. */
export const ZOO_MODEL_VOCABULARY_SIZE = 4088;

function addedToken(content: string, id: number) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** tokenizer.json of an empty byte-level BPE (256 byte tokens, no merges) with the specials at `firstSpecialId`. */
export function skeletonTokenizerJson(firstSpecialId: number): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  for (const [id, character] of bytesToUnicode().entries()) vocab[character] = id;
  const bos = firstSpecialId + SPECIAL_TOKENS.indexOf(BEGIN_OF_TEXT);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, index) => addedToken(content, firstSpecialId + index)),
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: LLAMA3_SPLIT_PATTERN }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: "Sequence",
      processors: [
        { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: BEGIN_OF_TEXT, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
          pair: [
            { SpecialToken: { id: BEGIN_OF_TEXT, type_id: 0 } },
            { Sequence: { id: "A", type_id: 0 } },
            { SpecialToken: { id: BEGIN_OF_TEXT, type_id: 1 } },
            { Sequence: { id: "B", type_id: 1 } },
          ],
          special_tokens: { [BEGIN_OF_TEXT]: { id: BEGIN_OF_TEXT, ids: [bos], tokens: [BEGIN_OF_TEXT] } },
        },
      ],
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
}

/** tokenizer_config.json: specials, BOS/EOS/PAD and the chat template. */
export function zooTokenizerConfig(firstSpecialId: number): Record<string, unknown> {
  const decoder: Record<string, unknown> = {};
  SPECIAL_TOKENS.forEach((content, index) => {
    const { id: _id, ...rest } = addedToken(content, firstSpecialId + index);
    decoder[String(firstSpecialId + index)] = rest;
  });
  return {
    added_tokens_decoder: decoder,
    bos_token: BEGIN_OF_TEXT,
    eos_token: END_OF_TEXT,
    pad_token: PAD,
    chat_template: ZOO_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_input_names: ["input_ids", "attention_mask"],
    model_max_length: 2048,
    tokenizer_class: "PreTrainedTokenizerFast",
  };
}

export async function writeTokenizerSkeleton(directory: string, modelVocabularySize = ZOO_MODEL_VOCABULARY_SIZE): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, "tokenizer.json"), `${JSON.stringify(skeletonTokenizerJson(modelVocabularySize), null, 2)}\n`);
  await writeFile(join(directory, "tokenizer_config.json"), `${JSON.stringify(zooTokenizerConfig(modelVocabularySize), null, 2)}\n`);
  const specialMap = { bos_token: BEGIN_OF_TEXT, eos_token: END_OF_TEXT, pad_token: PAD };
  await writeFile(join(directory, "special_tokens_map.json"), `${JSON.stringify(specialMap, null, 2)}\n`);
}

export interface TrainZooTokenizerOptions {
  corpus: string[];
  heldout: string[];
  /** Scratch directory for the skeleton. */
  work: string;
  out: string;
  modelVocabularySize?: number;
}

/** Learns the zoo's BPE on `corpus` with graft's trainer and writes the tokenizer directory `out`. */
export async function trainZooTokenizer(options: TrainZooTokenizerOptions): Promise<ReplacementReport> {
  const size = options.modelVocabularySize ?? ZOO_MODEL_VOCABULARY_SIZE;
  const skeleton = join(options.work, "tokenizer-skeleton");
  await writeTokenizerSkeleton(skeleton, size);
  return replaceTokenizer({
    base: skeleton,
    corpus: options.corpus,
    heldout: options.heldout,
    out: options.out,
    vocabularySize: size,
    minFrequency: 2,
    overwrite: true,
  });
}

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { createFastEncoder } from "./fast-encoder.js";
import type { EncodeOptions, TokenEncoder } from "./token-encoder.js";
import { TokenizerLoadError } from "./tokenizer-load-error.js";

export interface SpecialToken {
  id: number;
  content: string;
}

export interface SpecialTokens {
  bos?: SpecialToken;
  eos?: SpecialToken;
  pad?: SpecialToken;
  unk?: SpecialToken;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
  /** transformers' clean-up (" ." -> "." ...); default: tokenizer_config.json's setting, as transformers does. */
  cleanUpTokenizationSpaces?: boolean;
}

/** Parsed `tokenizer.json`; graft reads `model`, `added_tokens`, `pre_tokenizer`, `normalizer`. */
export type TokenizerJson = Record<string, unknown> & {
  model: Record<string, unknown> & { type?: string; vocab?: Record<string, number> | [string, number][]; merges?: unknown[] };
  added_tokens?: { id: number; content: string; special: boolean; [key: string]: unknown }[];
};

/**
 * A model's tokenizer: the one encode path every graft package shares. Ids are identical to
 * Python `tokenizers` (tested on the Llama-3, Qwen2.5 and Llama-2 tokenizers).
 */
export class GraftTokenizer {
  /** Directory the tokenizer was loaded from. */
  readonly path: string;
  readonly json: TokenizerJson;
  /** `tokenizer_config.json` (empty object when absent). */
  readonly config: Record<string, unknown>;
  readonly specialTokens: SpecialTokens;
  /** sha256 of the `tokenizer.json` bytes: identifies the tokenizer in manifests. */
  readonly sha256: string;
  private encoder: TokenEncoder | undefined;
  private readonly wantsFast: boolean;
  private fastEncoderBuilt: boolean | undefined;
  private readonly libraryEncoder: TokenEncoder;
  private readonly vocabulary: Map<string, number>;
  /** id → token (the library's `model.vocab`). */
  private readonly idTokens: (string | undefined)[];
  private builtLibrary: Tokenizer | undefined;

  /** Whether the fast encode path is in use (see fast-encoder.ts); false for non-BPE models or `fast: false`. */
  get fast(): boolean {
    this.activeEncoder();
    return this.fastEncoderBuilt === true;
  }

  /**
   * `lazy`: for BPE and WordPiece models, take the vocabulary from `tokenizer.json` as the library
   * would and build the library (about a second for a Llama-3-size vocabulary) on first use, so
   * vocabulary lookups alone stay cheap; other models build it at once.
   */
  constructor({
    path,
    json,
    config,
    sha256,
    fast = true,
    lazy = false,
  }: { path: string; json: TokenizerJson; config: Record<string, unknown>; sha256: string; fast?: boolean; lazy?: boolean }) {
    this.path = path;
    this.json = json;
    this.config = config;
    this.sha256 = sha256;
    const fromJson = lazy ? vocabularyOf(json) : undefined;
    if (fromJson) {
      this.idTokens = fromJson;
    } else {
      this.builtLibrary = buildLibrary(path, json, config);
      this.idTokens = (this.builtLibrary as unknown as { model: { vocab: (string | undefined)[] } }).model.vocab;
    }
    this.vocabulary = new Map();
    for (let id = 0; id < this.idTokens.length; id += 1) this.vocabulary.set(this.idTokens[id] as string, id);
    this.specialTokens = resolveSpecialTokens(config, (content) => this.vocabulary.get(content));
    this.wantsFast = fast;
    this.libraryEncoder = { encode: (text, options) => this.library.encode(text, { add_special_tokens: options?.addSpecialTokens ?? true }).ids };
  }

  /** The `@huggingface/tokenizers` instance (normalizer, pre-tokenizer, model, decoder); built on first use when loaded `lazy`. */
  get library(): Tokenizer {
    this.builtLibrary ??= buildLibrary(this.path, this.json, this.config);
    return this.builtLibrary;
  }

  /** Built on the first encode (about a second for a Llama-3-size vocabulary; many users of a tokenizer never encode). */
  private activeEncoder(): TokenEncoder {
    if (this.fastEncoderBuilt === undefined) {
      const fastEncoder = this.wantsFast ? createFastEncoder(this.library) : undefined;
      this.fastEncoderBuilt = fastEncoder?.accelerated ?? false;
      // An encoder plugged in with `useEncoder` before the first encode stays in use.
      this.encoder ??= fastEncoder?.accelerated ? fastEncoder : this.libraryEncoder;
    }
    return this.encoder as TokenEncoder;
  }

  encode(text: string, options?: EncodeOptions): number[] {
    return this.activeEncoder().encode(text, options);
  }

  encodeBatch(texts: readonly string[], options?: EncodeOptions): number[][] {
    const encoder = this.activeEncoder();
    return texts.map((text) => encoder.encode(text, options));
  }

  decode(ids: readonly number[], options?: DecodeOptions): string {
    if (ids.length === 0) return "";
    return this.library.decode([...ids], {
      skip_special_tokens: options?.skipSpecialTokens ?? false,
      ...(options?.cleanUpTokenizationSpaces === undefined ? {} : { clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces }),
    });
  }

  /** Token strings of an id sequence (byte-level tokens stay in the byte alphabet). */
  tokens(ids: readonly number[]): string[] {
    return ids.map((id) => this.library.id_to_token(id) ?? "");
  }

  tokenToId(token: string): number | undefined {
    return this.vocabulary.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.idTokens[id];
  }

  /** `len(tokenizer)` in transformers: the model vocabulary plus added tokens. */
  get vocabSize(): number {
    return this.vocabulary.size;
  }

  /** Highest token id + 1 (an embedding matrix needs at least this many rows). */
  get idLimit(): number {
    if (this.cachedIdLimit === undefined) {
      let limit = 0;
      for (const id of this.vocabulary.values()) if (id + 1 > limit) limit = id + 1;
      this.cachedIdLimit = limit;
    }
    return this.cachedIdLimit;
  }

  private cachedIdLimit: number | undefined;

  get addedTokens(): { id: number; content: string; special: boolean }[] {
    return (this.json.added_tokens ?? []).map(({ id, content, special }) => ({ id, content, special }));
  }

  /** Plugs in a faster encoder with identical ids (see `createFastEncoder`). */
  useEncoder(encoder: TokenEncoder): void {
    this.encoder = encoder;
  }
}

function buildLibrary(path: string, json: TokenizerJson, config: Record<string, unknown>): Tokenizer {
  try {
    return new Tokenizer(json, config);
  } catch (error) {
    throw new TokenizerLoadError({
      path,
      message: `tokenizer.json could not be built (${(error as Error).message}); check that it was saved by a recent \`tokenizers\``,
      cause: error,
    });
  }
}

/**
 * id → token as `@huggingface/tokenizers` builds it (`model.vocab`: the vocab map of a BPE or
 * WordPiece model, then every added token at its id, later entries winning), or undefined for
 * models whose vocabulary the library derives otherwise (Unigram, legacy): those are built.
 */
function vocabularyOf(json: TokenizerJson): (string | undefined)[] | undefined {
  const { type, vocab } = json.model;
  if ((type !== "BPE" && type !== "WordPiece") || !vocab || Array.isArray(vocab) || typeof vocab !== "object") return undefined;
  const tokensToIds = new Map(Object.entries(vocab));
  const tokens: (string | undefined)[] = new Array(tokensToIds.size);
  for (const [token, id] of tokensToIds) tokens[id] = token;
  for (const added of json.added_tokens ?? []) tokens[added.id] = added.content;
  return tokens;
}

function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string") return (value as { content: string }).content;
  return undefined;
}

/** bos/eos/pad/unk as transformers resolves them from tokenizer_config.json. */
function resolveSpecialTokens(config: Record<string, unknown>, idOf: (content: string) => number | undefined): SpecialTokens {
  const tokens: SpecialTokens = {};
  for (const key of ["bos", "eos", "pad", "unk"] as const) {
    const content = tokenContent(config[`${key}_token`]);
    if (content === undefined) continue;
    const id = idOf(content);
    if (id !== undefined) tokens[key] = { id, content };
  }
  return tokens;
}

/**
 * Loads `tokenizer.json` (+ `tokenizer_config.json` when present) from a directory. BPE models
 * get the fast encode path (identical ids) unless `fast: false`; `lazy: true` defers building the
 * library to the first encode/decode (vocabulary lookups, `idToToken`, `json` need none).
 */
export async function loadTokenizer(directory: string, options: { fast?: boolean; lazy?: boolean } = {}): Promise<GraftTokenizer> {
  const tokenizerPath = join(directory, "tokenizer.json");
  if (!existsSync(tokenizerPath)) {
    throw new TokenizerLoadError({
      path: directory,
      message:
        "no tokenizer.json. graft needs a fast (Rust `tokenizers`) tokenizer: in Python, `AutoTokenizer.from_pretrained(dir).save_pretrained(dir)` writes one.",
    });
  }
  const bytes = await readFile(tokenizerPath);
  let json: TokenizerJson;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new TokenizerLoadError({ path: tokenizerPath, message: `not valid JSON (${(error as Error).message})`, cause: error });
  }
  if (!json || typeof json !== "object" || !json.model || typeof json.model !== "object") {
    throw new TokenizerLoadError({ path: tokenizerPath, message: 'has no "model" object; is this a tokenizers tokenizer.json?' });
  }
  let config: Record<string, unknown> = {};
  const configPath = join(directory, "tokenizer_config.json");
  if (existsSync(configPath)) {
    try {
      config = JSON.parse(await readFile(configPath, "utf8"));
    } catch (error) {
      throw new TokenizerLoadError({ path: configPath, message: `not valid JSON (${(error as Error).message})`, cause: error });
    }
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return new GraftTokenizer({ path: directory, json, config, sha256, fast: options.fast, lazy: options.lazy });
}

export type { EncodeOptions, TokenEncoder } from "./token-encoder.js";

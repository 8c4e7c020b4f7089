import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { repositoryRoot } from "./repository-root.js";

/** Real tokenizers shipped under fixtures/tokenizers (see the README there for provenance). */
export type FixtureTokenizerName = "llama3" | "qwen2_5" | "llama2";
export const FIXTURE_TOKENIZER_NAMES: readonly FixtureTokenizerName[] = ["llama3", "qwen2_5", "llama2"];

/**
 * A directory holding the fixture's `tokenizer.json` (decompressed) and `tokenizer_config.json`,
 * materialised once under `.graft-cache/fixtures/` (atomic rename, safe across parallel workers).
 */
export function fixtureTokenizerDirectory(name: FixtureTokenizerName): string {
  const root = repositoryRoot();
  const source = join(root, "fixtures", "tokenizers", name);
  const target = join(root, ".graft-cache", "fixtures", "tokenizers", name);
  if (existsSync(join(target, "tokenizer.json"))) return target;
  const temporary = `${target}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(temporary, { recursive: true });
  writeFileSync(join(temporary, "tokenizer.json"), gunzipSync(readFileSync(join(source, "tokenizer.json.gz"))));
  copyFileSync(join(source, "tokenizer_config.json"), join(temporary, "tokenizer_config.json"));
  try {
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (!existsSync(join(target, "tokenizer.json"))) throw error;
  }
  return target;
}

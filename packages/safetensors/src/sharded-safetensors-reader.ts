import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Tensor } from "./dtype.js";
import { InvalidHeaderError } from "./invalid-header-error.js";
import type { TensorInfo } from "./parse-header.js";
import { SafetensorsError } from "./safetensors-error.js";
import { SafetensorsReader } from "./safetensors-reader.js";
import { TensorNotFoundError } from "./tensor-not-found-error.js";

export const INDEX_FILE_NAME = "model.safetensors.index.json";
export const SINGLE_FILE_NAME = "model.safetensors";

/**
 * Reader over a model's weights: a directory with `model.safetensors.index.json` (shards opened
 * lazily, on the first read of one of their tensors), a directory with `model.safetensors`, a
 * single `.safetensors` file, or an index file.
 */
export class ShardedSafetensorsReader {
  readonly path: string;
  readonly metadata: Record<string, string>;
  private readonly weightMap: Map<string, string>;
  private readonly readers = new Map<string, Promise<SafetensorsReader>>();

  private constructor(path: string, weightMap: Map<string, string>, metadata: Record<string, string>) {
    this.path = path;
    this.weightMap = weightMap;
    this.metadata = metadata;
  }

  static async open(directoryOrFile: string): Promise<ShardedSafetensorsReader> {
    let indexPath: string | undefined;
    let singlePath: string | undefined;
    if (existsSync(directoryOrFile) && statSync(directoryOrFile).isDirectory()) {
      if (existsSync(join(directoryOrFile, INDEX_FILE_NAME))) indexPath = join(directoryOrFile, INDEX_FILE_NAME);
      else if (existsSync(join(directoryOrFile, SINGLE_FILE_NAME))) singlePath = join(directoryOrFile, SINGLE_FILE_NAME);
      else {
        throw new SafetensorsError({
          name: "WeightsNotFoundError",
          path: directoryOrFile,
          message: `${directoryOrFile}: neither ${INDEX_FILE_NAME} nor ${SINGLE_FILE_NAME} is there. Point at a Hugging Face model directory with safetensors weights (convert .bin weights with transformers' save_pretrained(safe_serialization=True)).`,
        });
      }
    } else if (directoryOrFile.endsWith(".json")) indexPath = directoryOrFile;
    else singlePath = directoryOrFile;

    if (singlePath) {
      const reader = await SafetensorsReader.open(singlePath);
      const map = new Map(reader.tensorNames().map((name) => [name, singlePath] as const));
      const sharded = new ShardedSafetensorsReader(singlePath, map, reader.metadata);
      sharded.readers.set(singlePath, Promise.resolve(reader));
      return sharded;
    }
    const index = indexPath as string;
    let parsed: { metadata?: Record<string, unknown>; weight_map?: Record<string, unknown> };
    try {
      parsed = JSON.parse(await readFile(index, "utf8"));
    } catch (error) {
      throw new InvalidHeaderError({ path: index, message: `index is not valid JSON (${(error as Error).message})`, cause: error });
    }
    if (!parsed || typeof parsed.weight_map !== "object" || parsed.weight_map === null) {
      throw new InvalidHeaderError({ path: index, message: "index has no weight_map object" });
    }
    const base = dirname(index);
    const map = new Map<string, string>();
    for (const [name, file] of Object.entries(parsed.weight_map)) {
      if (typeof file !== "string" || file.includes("/") || file.includes("\\")) {
        throw new InvalidHeaderError({
          path: index,
          tensorName: name,
          message: `weight_map entry ${JSON.stringify(file)} is not a file name in the index's directory`,
        });
      }
      map.set(name, join(base, file));
    }
    const metadata = Object.fromEntries(Object.entries(parsed.metadata ?? {}).map(([key, value]) => [key, String(value)]));
    return new ShardedSafetensorsReader(index, map, metadata);
  }

  tensorNames(): string[] {
    return [...this.weightMap.keys()];
  }

  has(name: string): boolean {
    return this.weightMap.has(name);
  }

  /** The distinct shard files, in first-use order. */
  files(): string[] {
    return [...new Set(this.weightMap.values())];
  }

  async info(name: string): Promise<TensorInfo> {
    const reader = await this.readerFor(name);
    const info = reader.info(name);
    return info;
  }

  async readTensor(name: string): Promise<Tensor> {
    return (await this.readerFor(name)).readTensor(name);
  }

  async readRows(name: string, start: number, count: number): Promise<Tensor> {
    return (await this.readerFor(name)).readRows(name, start, count);
  }

  /** The single-file reader holding a tensor (opened on first use). */
  fileReader(name: string): Promise<SafetensorsReader> {
    return this.readerFor(name);
  }

  async close(): Promise<void> {
    const readers = [...this.readers.values()];
    this.readers.clear();
    await Promise.all(readers.map(async (reader) => (await reader.catch(() => undefined))?.close()));
  }

  private readerFor(name: string): Promise<SafetensorsReader> {
    const file = this.weightMap.get(name);
    if (!file) throw new TensorNotFoundError({ path: this.path, tensorName: name, available: this.tensorNames() });
    let reader = this.readers.get(file);
    if (!reader) {
      reader = SafetensorsReader.open(file).then((opened) => {
        if (!opened.has(name)) throw new TensorNotFoundError({ path: file, tensorName: name, available: opened.tensorNames() });
        return opened;
      });
      this.readers.set(file, reader);
    }
    return reader;
  }
}

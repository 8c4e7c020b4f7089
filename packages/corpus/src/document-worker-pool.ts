import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { CorpusWorkerError } from "./corpus-worker-error.js";
import { createDocumentProcessor, type ProcessorSettings, type ProcessResult, type RawDocument } from "./document-processor.js";

/** Most worker threads: tokenization is CPU-bound, and each thread holds its own tokenizer (~100 MB for a 128k vocabulary). */
export const MAX_WORKERS = 32;

type Pending = { resolve: (results: ProcessResult[]) => void; reject: (error: Error) => void };

/**
 * The worker entry: `corpus-worker.js` beside the built module; from sources (tests, tsx) the
 * `.ts` file, loaded through tsx's loader inside the worker.
 */
function startWorker(settings: ProcessorSettings): Worker {
  const built = new URL("./corpus-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return new Worker(built, { workerData: settings });
  const source = new URL("./corpus-worker.ts", import.meta.url).href;
  // tsx's ESM API entry (the `import` condition; require.resolve would give the CommonJS one).
  const tsxRoot = dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxRoot, "dist", "esm", "api", "index.mjs")).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`, {
    eval: true,
    workerData: settings,
  });
}

class PooledWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  readonly ready: Promise<void>;

  constructor(
    readonly worker: Worker,
    readonly name: string,
  ) {
    this.ready = new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        reject(error);
        for (const pending of this.pending.values()) pending.reject(error);
        this.pending.clear();
      };
      worker.on(
        "message",
        (message: { ready?: boolean; id?: number; results?: ProcessResult[]; error?: { name: string; message: string; stack?: string } }) => {
          if (message.ready !== undefined) {
            if (message.ready) resolve();
            else
              fail(
                new CorpusWorkerError({ workerName: name, originalName: message.error!.name, message: message.error!.message, stack: message.error!.stack }),
              );
            return;
          }
          const pending = this.pending.get(message.id!);
          this.pending.delete(message.id!);
          if (message.error)
            pending?.reject(
              new CorpusWorkerError({ workerName: name, originalName: message.error.name, message: message.error.message, stack: message.error.stack }),
            );
          else pending?.resolve(message.results!);
        },
      );
      worker.on("error", (error) => fail(new CorpusWorkerError({ workerName: name, originalName: error.name, message: error.message, stack: error.stack })));
      worker.on("exit", (code) => {
        if (this.pending.size > 0) fail(new CorpusWorkerError({ workerName: name, originalName: "Exit", message: `the thread exited with code ${code}` }));
      });
    });
  }

  process(documents: RawDocument[]): Promise<ProcessResult[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, documents });
    });
  }
}

/**
 * Runs the stateless pipeline (clean-up, filters, dedup keys, tokenization) for batches of
 * documents on `threads` worker threads, results in input order. `threads: 0` runs in-process.
 */
export class DocumentWorkerPool {
  private constructor(
    private readonly workers: PooledWorker[],
    private readonly inProcess?: (documents: readonly RawDocument[]) => Promise<ProcessResult[]>,
  ) {}

  static async create(settings: ProcessorSettings, threads: number): Promise<DocumentWorkerPool> {
    const count = Math.max(0, Math.min(MAX_WORKERS, Math.floor(threads)));
    if (count === 0) return new DocumentWorkerPool([], await createDocumentProcessor(settings));
    const workers = Array.from({ length: count }, (_, index) => new PooledWorker(startWorker(settings), `corpus worker ${index + 1}/${count}`));
    const pool = new DocumentWorkerPool(workers);
    try {
      await Promise.all(workers.map((worker) => worker.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Processes a batch: contiguous slices go to the workers, results come back in order. */
  async process(documents: RawDocument[]): Promise<ProcessResult[]> {
    if (this.inProcess) return this.inProcess(documents);
    const size = Math.ceil(documents.length / this.workers.length);
    const parts = await Promise.all(
      this.workers.map((worker, index) =>
        index * size < documents.length ? worker.process(documents.slice(index * size, (index + 1) * size)) : Promise.resolve([]),
      ),
    );
    return parts.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((pooled) => pooled.worker.terminate()));
  }
}

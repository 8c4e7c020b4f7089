import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  loadModelDirectory,
  loadTokenizer,
  type ModelDirectory,
  refuseOutputOverInputs,
  type StreamedTensor,
  type TensorSource,
  writeModelDirectory,
} from "@graft/hf";
import { bf16ToFloat32Array, dtypeBytes, float32ArrayToBf16, float32ArrayToF16, fromFloat32, toFloat32 } from "@graft/safetensors";
import { oldSegmentation } from "@graft/vocab";
import { accumulateFit } from "./accumulate-fit.js";
import { accumulateFoldedFit } from "./accumulate-folded-fit.js";
import { denseMapApplication, type MapApplication, MapApplier } from "./apply-map.js";
import { assembleTokenizer } from "./assemble-tokenizer.js";
import { bodyDeltaTensor } from "./body-delta.js";
import { DenseProducts } from "./dense-products.js";
import { EmbeddingMatrix } from "./embedding-matrix.js";
import { LepInputError } from "./lep-error.js";
import type { LepReport, ModuleReport, PropagationMode } from "./lep-report.js";
import { ProductPool } from "./product-pool.js";
import { type SolvedMap, solveNormalEquations, solveNormalEquationsWith } from "./solve-normal-equations.js";
import { type LepModel, type LepTokenizers, validateLepModels, validateLepVocabularies } from "./validate-lep-inputs.js";
import { warmPageCache } from "./warm-page-cache.js";

/** Donor rows read, mapped and converted per block (4096 x d: 64 MiB of f32 at d = 4096). */
export const APPLY_READ_ROWS = 4096;
/** Minimum seconds between two progress events of one phase. */
export const PROGRESS_INTERVAL_SECONDS = 2;
/** The report's file name inside the output directory. */
export const LEP_REPORT_FILE = "lep_report.json";

/** Events, one object each (`graft lep --json` prints them as JSON lines). */
export type LepEvent =
  | { type: "inputs-validated"; tied: boolean; modules: string[]; fitRows: number; vocabSize: number }
  /** `rows` of `total` folded in: base rows on the onnxruntime engine (the folded fit), fit rows on the javascript engine. */
  | { type: "fit-progress"; module: string; rows: number; total: number; rowsPerSecond: number; etaSeconds: number }
  | { type: "map-solved"; module: string; residual: number; condition: number; ridge: number; ridgeFallbackUsed: boolean; seconds: number }
  | { type: "tensor-written"; name: string; done: number; total: number }
  | { type: "lep-finished"; report: LepReport };

/** Where the dense products of the fit and the apply run. */
export type ProductEngine = "onnxruntime" | "javascript";
export const PRODUCT_ENGINES: readonly ProductEngine[] = ["onnxruntime", "javascript"];

export interface PropagateEmbeddingsOptions {
  /** The base model the donor was trained from (S). */
  base: string;
  /** The instruct model of the same base (T): the body and chat tokens of the output. */
  instruct: string;
  /** The CP'd donor with the new vocabulary (X). */
  donor: string;
  out: string;
  mode: PropagationMode;
  /** λ of (ŜᵀŜ + λI) P = ŜᵀT̂; default 0. */
  ridge?: number;
  /** Retry with a small ridge when the system is not positive definite (default true). */
  ridgeFallback?: boolean;
  /** Chat Vector: θ = θ_donor + (θ_instruct − θ_base) for every non-embedding tensor. */
  bodyDelta?: boolean;
  overwrite?: boolean;
  maxShardSize?: number;
  /** Threads for the products (default: the available cores, at most MAX_PRODUCT_THREADS). */
  threads?: number;
  /**
   * Where the dense products run: `onnxruntime` (default: ONNX Runtime's multi-threaded GEMM,
   * float64 normal equations, the map applied in float32 for bf16/f16 outputs and float64 for
   * f32) or `javascript` (this package's float64 kernels on worker threads).
   */
  engine?: ProductEngine;
  onEvent?: (event: LepEvent) => void;
}

export interface PropagationResult {
  report: LepReport;
  /** P per module (row-major d x d float64); absent for swap. */
  maps: Record<string, Float64Array>;
}

function javascriptApplication(applier: MapApplier): MapApplication {
  return { apply: async (rows) => applier.apply(rows), release: async () => {} };
}

function throttled<T extends unknown[]>(action: (...values: T) => void): (...values: T) => void {
  let last = 0;
  return (...values: T) => {
    const now = performance.now();
    if (now - last >= PROGRESS_INTERVAL_SECONDS * 1000) {
      last = now;
      action(...values);
    }
  };
}

/** Remaps token ids in config / generation_config values (a number or a list of numbers). */
function remapIds(value: unknown, outputIdOf: (id: number) => number | undefined, where: string, key: string): unknown {
  const one = (id: unknown) => {
    if (typeof id !== "number") return id;
    const mapped = outputIdOf(id);
    if (mapped === undefined)
      throw new LepInputError({
        path: where,
        mismatch: "special-token-ids",
        message: `${where}: ${key} ${id} is no token of the instruct tokenizer, so it cannot be carried over`,
      });
    return mapped;
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

const TOKEN_ID_KEYS = ["bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id"];

function remapTokenIdKeys(record: Record<string, unknown>, outputIdOf: (id: number) => number | undefined, where: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of TOKEN_ID_KEYS) if (record[key] !== undefined && record[key] !== null) result[key] = remapIds(record[key], outputIdOf, where, key);
  return result;
}

/**
 * LEP's propagation step: fits, per module, the d x d map P of `mode` (conversion on the
 * aggregated rows A S → A T, overlap on the common tokens, swap = identity), applies it to the
 * donor's rows and assembles the output model: the donor tokenizer plus the instruct model's
 * added/special tokens, chat template and special-token map; those tokens' rows copied from
 * the instruct model; every other tensor the instruct model's, bit for bit (or the Chat Vector
 * sum with `bodyDelta`). Written atomically; the report lands in `lep_report.json`.
 */
export async function propagateEmbeddings(options: PropagateEmbeddingsOptions): Promise<PropagationResult> {
  refuseOutputOverInputs(options.out, [options.base, options.instruct, options.donor]);
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const opened: ModelDirectory[] = [];
  const engine = options.engine ?? "onnxruntime";
  if (!PRODUCT_ENGINES.includes(engine))
    throw new RangeError(`propagateEmbeddings: unknown engine "${String(engine)}"; use one of ${PRODUCT_ENGINES.join(", ")}`);
  const pool = new ProductPool(engine === "javascript" ? options.threads : 1);
  let products: DenseProducts | undefined;
  const stopWarming = new AbortController();
  let warming: Promise<void> | undefined;
  try {
    if (engine === "onnxruntime") products = await DenseProducts.open(options.threads);
    const open = async (role: LepModel["role"], path: string): Promise<LepModel> => {
      const model = await loadModelDirectory(path);
      opened.push(model);
      return { role, model };
    };
    const base = await open("base", options.base);
    const instruct = await open("instruct", options.instruct);
    const donor = await open("donor", options.donor);
    const validated = await validateLepModels({ base, instruct, donor, bodyDelta: options.bodyDelta === true });
    // Pull the matrices into the page cache in the order they are needed, while the tokenizers
    // are validated and the earlier modules' products run (reads of them then do not wait on the disk).
    if (options.mode !== "swap") {
      const tensors = validated.modules.flatMap((module) => [base, instruct].map(({ model }) => ({ reader: model.weights, name: module })));
      warming = warmPageCache([...tensors, ...validated.modules.map((module) => ({ reader: donor.model.weights, name: module }))], stopWarming.signal);
    }
    // Everything that needs the tokenizers (large object graphs) is done here, so they are
    // garbage before the products start (every full collection would trace them again).
    const prepared = await (async () => {
      // Lazy: instruct and donor are only looked up (the base one is built for the segmentation).
      const lazy = { lazy: true };
      const tokenizers: LepTokenizers = {
        base: await loadTokenizer(options.base, lazy),
        instruct: await loadTokenizer(options.instruct, lazy),
        donor: await loadTokenizer(options.donor, lazy),
      };
      await validateLepVocabularies({ base, instruct, donor, tokenizers, modules: validated.modules });
      const assembled = assembleTokenizer({ donor: tokenizers.donor, instruct: tokenizers.instruct, firstFreeId: tokenizers.donor.idLimit });
      const outputRows = Math.max(validated.donorRows, assembled.idLimit);
      const segmentation = oldSegmentation({ baseTokenizer: tokenizers.base, extendedTokenizer: tokenizers.donor, rowCount: validated.donorRows });
      // Added/special tokens (of the base, the donor or the instruct model) are copied, never fitted.
      const addedIds = new Set([...(assembled.json.added_tokens ?? []).map((token) => token.id), ...tokenizers.donor.addedTokens.map((token) => token.id)]);
      const baseAdded = new Set(tokenizers.base.addedTokens.map((token) => token.id));
      const fitList: number[] = [];
      for (let id = 0; id < validated.donorRows; id += 1) {
        const kind = segmentation.kinds[id];
        if (kind === "padding" || addedIds.has(id)) continue;
        if (kind === "copied" && baseAdded.has(segmentation.baseIds[segmentation.offsets[id]])) continue;
        if (options.mode === "overlap" && kind !== "copied") continue;
        fitList.push(id);
      }
      const outputIdOf = assembled.outputIdOf;
      const files: Record<string, string | Record<string, unknown>> = {
        "tokenizer.json": `${JSON.stringify(assembled.json, null, 2)}\n`,
        "tokenizer_config.json": assembled.config,
      };
      if (instruct.model.generationConfig) {
        files["generation_config.json"] = {
          ...instruct.model.generationConfig,
          ...remapTokenIdKeys(instruct.model.generationConfig, outputIdOf, join(instruct.model.path, "generation_config.json")),
        };
      }
      const configUpdates = { vocab_size: outputRows, ...remapTokenIdKeys(instruct.model.config, outputIdOf, join(instruct.model.path, "config.json")) };
      return {
        outputRows,
        segmentation,
        fitIds: Int32Array.from(fitList),
        copiedRows: assembled.copiedRows.map(({ outputId, instructId }) => ({ outputId, instructId })),
        appendedTokens: assembled.appendedTokens.map((token) => token.content),
        files,
        configUpdates,
      };
    })();
    const { outputRows, segmentation, fitIds, copiedRows, files, configUpdates } = prepared;
    emit({
      type: "inputs-validated",
      tied: validated.tied,
      modules: validated.modules,
      fitRows: options.mode === "swap" ? 0 : fitIds.length,
      vocabSize: outputRows,
    });

    // 1. Fit every module's map first: a singular system fails before anything is written.
    const solved = new Map<string, { map?: SolvedMap; seconds: number }>();
    let matrices: { base: EmbeddingMatrix; instruct: EmbeddingMatrix } | undefined;
    for (const module of validated.modules) {
      const moduleStart = performance.now();
      if (options.mode === "swap") {
        solved.set(module, { seconds: 0 });
        continue;
      }
      const progress = throttled((rows: number, total: number) => {
        const seconds = (performance.now() - moduleStart) / 1000;
        const rowsPerSecond = rows / Math.max(seconds, 1e-9);
        emit({
          type: "fit-progress",
          module,
          rows,
          total,
          rowsPerSecond: Math.round(rowsPerSecond),
          etaSeconds: Math.round((total - rows) / Math.max(rowsPerSecond, 1e-9)),
        });
      });
      // The previous module's matrices are read over (see EmbeddingMatrix.read), not kept beside these.
      matrices = {
        base: await EmbeddingMatrix.read(base.model.weights, module, matrices?.base),
        instruct: await EmbeddingMatrix.read(instruct.model.weights, module, matrices?.instruct),
      };
      // On ONNX Runtime the sums are folded onto the base rows (fewer, symmetric products).
      const equations = products
        ? await accumulateFoldedFit({ segmentation, fitIds, ...matrices, products, onProgress: progress })
        : await accumulateFit({ segmentation, fitIds, ...matrices, pool, onProgress: progress });
      const solveOptions = { module, ridge: options.ridge, ridgeFallback: options.ridgeFallback };
      const map = products ? await solveNormalEquationsWith(products, equations, solveOptions) : solveNormalEquations(equations, solveOptions);
      const seconds = (performance.now() - moduleStart) / 1000;
      solved.set(module, { map, seconds });
      emit({
        type: "map-solved",
        module,
        residual: map.residual,
        condition: map.condition,
        ridge: map.ridge,
        ridgeFallbackUsed: map.ridgeFallbackUsed,
        seconds,
      });
    }
    matrices = undefined; // garbage before the apply

    // 2. Write: mapped donor rows, copied instruct rows, the instruct model's everything else.
    //    Each module is streamed to the writer in blocks of APPLY_READ_ROWS rows (one reused
    //    buffer), never held whole: at Llama-3-8B shapes a bf16 module is 1.4 GB.
    const moduleReports: ModuleReport[] = [];
    const moduleTensor = async (module: string): Promise<StreamedTensor> => {
      const instructInfo = await instruct.model.weights.info(module);
      const dtype = instructInfo.dtype as "F32" | "F16" | "BF16";
      const width = validated.hiddenSize;
      const rowBytes = width * dtypeBytes(dtype);
      const copied = copiedRows.filter(({ instructId }) => instructId < instructInfo.shape[0]).sort((left, right) => left.outputId - right.outputId);
      async function* chunks(): AsyncGenerator<Uint8Array> {
        const applyStart = performance.now();
        const { map, seconds } = solved.get(module) as { map?: SolvedMap; seconds: number };
        const applyMap = !map
          ? undefined
          : products
            ? denseMapApplication(products, map.map, width, dtype)
            : javascriptApplication(new MapApplier(map.map, width, pool));
        // Widened into one reused buffer, narrowed into one reused output block (the writer has
        // written each block before it asks for the next).
        const blockRows = Math.min(APPLY_READ_ROWS, outputRows);
        const widened = new Float32Array(Math.min(blockRows, validated.donorRows) * width);
        const block = new Uint8Array(blockRows * rowBytes);
        let nextCopied = 0;
        try {
          for (let start = 0; start < outputRows; start += blockRows) {
            const count = Math.min(blockRows, outputRows - start);
            const out = block.subarray(0, count * rowBytes);
            const donorCount = Math.max(0, Math.min(count, validated.donorRows - start));
            if (donorCount > 0) {
              const donorRows = await donor.model.weights.readRows(module, start, donorCount);
              if (donorRows.dtype === dtype && !applyMap) {
                out.set(donorRows.data);
              } else {
                let values = donorRows.dtype === "BF16" ? bf16ToFloat32Array(donorRows.data, widened.subarray(0, donorCount * width)) : toFloat32(donorRows);
                if (applyMap) values = await applyMap.apply(values, donorCount);
                if (dtype === "F32") out.set(fromFloat32(values, dtype, [donorCount, width]).data);
                else (dtype === "BF16" ? float32ArrayToBf16 : float32ArrayToF16)(values, new Uint16Array(out.buffer, out.byteOffset, donorCount * width));
              }
            }
            out.fill(0, donorCount * rowBytes); // rows past the donor's: zero unless copied below
            for (; nextCopied < copied.length && copied[nextCopied].outputId < start + count; nextCopied += 1) {
              const { outputId, instructId } = copied[nextCopied];
              out.set((await instruct.model.weights.readRows(module, instructId, 1)).data, (outputId - start) * rowBytes);
            }
            yield out;
          }
        } finally {
          await applyMap?.release(); // the map's session, before the next module's
        }
        moduleReports.push({
          module,
          mode: options.mode,
          fitRows: map ? map.rows : 0,
          rows: outputRows,
          residual: map ? map.residual : null,
          condition: map ? map.condition : null,
          ridge: map ? map.ridge : null,
          ridgeFallbackUsed: map?.ridgeFallbackUsed ?? false,
          fitSeconds: seconds,
          applySeconds: (performance.now() - applyStart) / 1000,
        });
      }
      return { dtype, shape: [outputRows, width], chunks };
    };

    const replacements: Record<string, TensorSource> = {};
    for (const module of validated.modules) replacements[module] = await moduleTensor(module);
    if (options.bodyDelta) {
      for (const name of validated.bodyTensors) {
        replacements[name] = () => bodyDeltaTensor({ name, base: base.model.weights, instruct: instruct.model.weights, donor: donor.model.weights });
      }
    }
    const drop = validated.tied && instruct.model.weights.has("lm_head.weight") ? ["lm_head.weight"] : [];
    await writeModelDirectory({
      source: instruct.model.path,
      out: options.out,
      replacements,
      drop,
      files,
      configUpdates,
      overwrite: options.overwrite,
      maxShardSize: options.maxShardSize,
      onProgress: (done, total, name) => emit({ type: "tensor-written", name, done, total }),
    });

    const order = new Map(validated.modules.map((module, index) => [module, index]));
    moduleReports.sort((left, right) => (order.get(left.module) ?? 0) - (order.get(right.module) ?? 0));
    const report: LepReport = {
      format: "graft-lep-report",
      version: 1,
      mode: options.mode,
      base: options.base,
      instruct: options.instruct,
      donor: options.donor,
      out: options.out,
      tied: validated.tied,
      modules: moduleReports,
      copiedRows: copiedRows.length,
      appendedTokens: prepared.appendedTokens,
      vocabSize: outputRows,
      bodyDeltaTensors: options.bodyDelta ? validated.bodyTensors.length : 0,
      seconds: (performance.now() - started) / 1000,
    };
    // Written after the atomic rename: the report describes a finished model and is only informational.
    await writeFile(join(options.out, LEP_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
    emit({ type: "lep-finished", report });
    const maps: Record<string, Float64Array> = {};
    for (const [module, { map }] of solved) if (map) maps[module] = map.map;
    return { report, maps };
  } finally {
    stopWarming.abort();
    await warming;
    pool.close();
    await products?.release();
    await Promise.all(opened.map((model) => model.weights.close()));
  }
}

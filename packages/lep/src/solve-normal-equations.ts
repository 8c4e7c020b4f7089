import { blockedCholeskyFactor, blockedCholeskySolve } from "./blocked-cholesky.js";
import { type CholeskyResult, choleskyFactor, choleskySolveColumns } from "./cholesky.js";
import { conditionEstimate } from "./condition-estimate.js";
import type { DenseProducts } from "./dense-products.js";
import type { NormalEquations } from "./normal-equations.js";
import { SingularSystemError } from "./singular-system-error.js";
import { transposeSquare } from "./transpose-square.js";

/** First fallback ridge, relative to the mean diagonal of XᵀX: far below any signal in it. */
export const RIDGE_FALLBACK_START = 1e-10;
/** Each failed attempt multiplies the fallback ridge by this. */
export const RIDGE_FALLBACK_GROWTH = 100;
/** Largest fallback ridge (relative): beyond it the map would be mostly the ridge's, not the data's. */
export const RIDGE_FALLBACK_LIMIT = 1e-2;

export interface SolveOptions {
  /** Name of the module, for errors and the report (e.g. `model.embed_tokens.weight`). */
  module: string;
  /** λ of (XᵀX + λI) P = XᵀY; default 0. */
  ridge?: number;
  /**
   * When XᵀX + λI is not positive definite, retry with a growing ridge
   * (RIDGE_FALLBACK_START .. RIDGE_FALLBACK_LIMIT times the mean diagonal) instead of throwing.
   * Default true.
   */
  ridgeFallback?: boolean;
}

export interface SolvedMap {
  /** P, row-major width x width: row k = source dimension, column j = target dimension. */
  map: Float64Array;
  width: number;
  /** The λ the map was solved with. */
  ridge: number;
  /** True when `ridge` came from the fallback rather than the caller. */
  ridgeFallbackUsed: boolean;
  /** 2-norm condition estimate of XᵀX + λI. */
  condition: number;
  /** ||X P − Y||_F / ||Y||_F, from the accumulated sums (accurate down to about 1e-7). */
  residual: number;
  /** Rows the normal equations were accumulated over. */
  rows: number;
}

/**
 * Solves the accumulated normal equations (XᵀX + λI) P = XᵀY by Cholesky in float64, with a
 * ridge fallback when the system is not positive definite; estimates the condition number and
 * the relative residual (without another pass over the rows:
 * ||XP − Y||² = ||Y||² − tr(PᵀXᵀY) − λ||P||² at the solution).
 */
export function solveNormalEquations(equations: NormalEquations, options: SolveOptions): SolvedMap {
  const system = systemToFactor(equations, options);
  let attempt: CholeskyResult = { ok: false, pivotIndex: 0, pivot: 0 };
  let ridge = 0;
  for (ridge of system.ridges) {
    attempt = choleskyFactor(system.gram, equations.width, ridge);
    if (attempt.ok) break;
  }
  const factored = factoredOrThrow(equations, options, system, attempt, ridge);
  const solutionColumns = choleskySolveColumns(factored.factor, equations.width, transposeSquare(equations.cross, equations.width), equations.width);
  return solvedMap(equations, factored, transposeSquare(solutionColumns, equations.width));
}

/**
 * `solveNormalEquations` with the O(d³) work on ONNX Runtime: the Cholesky factor by blocks
 * (`blockedCholeskyFactor`) and P by blocked forward and backward substitution
 * (`blockedCholeskySolve`), float64 GEMMs throughout. The same fallback, residual and
 * condition estimate.
 */
export async function solveNormalEquationsWith(products: DenseProducts, equations: NormalEquations, options: SolveOptions): Promise<SolvedMap> {
  const width = equations.width;
  const system = systemToFactor(equations, options);
  let attempt: CholeskyResult = { ok: false, pivotIndex: 0, pivot: 0 };
  let ridge = 0;
  for (ridge of system.ridges) {
    attempt = await blockedCholeskyFactor(products, system.gram, width, ridge);
    if (attempt.ok) break;
  }
  const factored = factoredOrThrow(equations, options, system, attempt, ridge);
  const map = await blockedCholeskySolve(products, factored.factor, width, equations.cross, width);
  return solvedMap(equations, factored, map);
}

interface FactoredSystem {
  gram: Float64Array;
  factor: Float64Array;
  ridge: number;
  fallback: boolean;
}

/** XᵀX in full and the ridges to try in order: the requested one, then (with the fallback) growing ones. */
function systemToFactor(equations: NormalEquations, options: SolveOptions): { gram: Float64Array; ridges: number[] } {
  const width = equations.width;
  const requestedRidge = options.ridge ?? 0;
  if (!(requestedRidge >= 0) || !Number.isFinite(requestedRidge)) {
    throw new RangeError(`solveNormalEquations: ridge must be a finite number >= 0, got ${requestedRidge}`);
  }
  const gram = equations.symmetricGram();
  let trace = 0;
  for (let i = 0; i < width; i += 1) trace += gram[i * width + i];
  const meanDiagonal = trace / width;
  const ridges = [requestedRidge];
  if (options.ridgeFallback !== false && meanDiagonal > 0) {
    for (let relative = RIDGE_FALLBACK_START; relative <= RIDGE_FALLBACK_LIMIT; relative *= RIDGE_FALLBACK_GROWTH)
      ridges.push(Math.max(requestedRidge, relative * meanDiagonal));
  }
  return { gram, ridges };
}

/** The factored system, or SingularSystemError when even the last ridge failed. */
function factoredOrThrow(
  equations: NormalEquations,
  options: SolveOptions,
  system: { gram: Float64Array; ridges: number[] },
  attempt: CholeskyResult,
  ridge: number,
): FactoredSystem {
  if (!attempt.ok) {
    const advice =
      options.ridgeFallback === false
        ? "pass a ridge (--ridge 1e-6, relative to nothing: λ is added to the diagonal of XᵀX) or allow the ridge fallback"
        : `even a ridge of ${RIDGE_FALLBACK_LIMIT} x the mean diagonal did not help: the rows are degenerate (all zero, NaN, or fewer rows than dimensions)`;
    throw new SingularSystemError({
      module: options.module,
      ridge,
      pivotIndex: attempt.pivotIndex,
      message: `${options.module}: the normal equations over ${equations.rows} rows are not positive definite (pivot ${attempt.pivot} at dimension ${attempt.pivotIndex}, ridge ${ridge}); ${advice}`,
    });
  }
  return { gram: system.gram, factor: attempt.factor, ridge, fallback: ridge !== system.ridges[0] };
}

/** The residual (from the sums: ||XP − Y||² = ||Y||² − tr(PᵀXᵀY) − λ||P||²) and condition of a solved map. */
function solvedMap(equations: NormalEquations, { gram, factor, ridge, fallback }: FactoredSystem, map: Float64Array): SolvedMap {
  const width = equations.width;
  let crossTrace = 0;
  let mapSquares = 0;
  for (let index = 0; index < map.length; index += 1) {
    crossTrace += map[index] * equations.cross[index];
    mapSquares += map[index] * map[index];
  }
  const target = equations.targetSquaredNorm;
  const residual = target > 0 ? Math.sqrt(Math.max(0, target - crossTrace - ridge * mapSquares) / target) : 0;
  const { condition } = conditionEstimate(gram, factor, width, ridge);
  return { map, width, ridge, ridgeFallbackUsed: fallback, condition, residual, rows: equations.rows };
}

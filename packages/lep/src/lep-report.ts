/** Propagation modes of LEP (methods.md, "LEP 4"). */
export type PropagationMode = "conversion" | "overlap" | "swap";
export const PROPAGATION_MODES: readonly PropagationMode[] = ["conversion", "overlap", "swap"];

/** What happened to one module (`model.embed_tokens.weight` or `lm_head.weight`). */
export interface ModuleReport {
  module: string;
  mode: PropagationMode;
  /** Rows of Ŝ, T̂ the map was fitted on (0 for swap). */
  fitRows: number;
  /** Rows written. */
  rows: number;
  /** ||Ŝ P − T̂||_F / ||T̂||_F (null for swap: nothing is fitted). */
  residual: number | null;
  /** 2-norm condition estimate of ŜᵀŜ + λI (null for swap). */
  condition: number | null;
  ridge: number | null;
  ridgeFallbackUsed: boolean;
  /** Seconds spent accumulating and solving. */
  fitSeconds: number;
  /** Seconds spent applying the map and writing the rows. */
  applySeconds: number;
}

export interface LepReport {
  format: "graft-lep-report";
  version: 1;
  mode: PropagationMode;
  base: string;
  instruct: string;
  donor: string;
  out: string;
  tied: boolean;
  modules: ModuleReport[];
  /** Rows copied bit for bit from the instruct model (its added/special tokens). */
  copiedRows: number;
  /** Instruct added tokens the donor lacked, appended to the vocabulary. */
  appendedTokens: string[];
  vocabSize: number;
  /** Tensors given θ_donor + (θ_instruct − θ_base); 0 without --body-delta. */
  bodyDeltaTensors: number;
  seconds: number;
}

/** A few lines for a terminal. */
export function formatLepReport(report: LepReport): string {
  const lines = [`LEP ${report.mode}: ${report.out} (vocab ${report.vocabSize}, ${report.tied ? "tied" : "untied"}, ${report.seconds.toFixed(1)} s)`];
  for (const module of report.modules) {
    const fit =
      module.residual === null
        ? "swap (donor rows as they are)"
        : `residual ${module.residual.toExponential(3)}, condition ${module.condition?.toExponential(2)}, ridge ${module.ridge}${module.ridgeFallbackUsed ? " (fallback: the system was not positive definite)" : ""}, ${module.fitRows} fit rows`;
    lines.push(`  ${module.module}: ${fit}; fit ${module.fitSeconds.toFixed(1)} s, apply ${module.applySeconds.toFixed(1)} s`);
  }
  lines.push(
    `  ${report.copiedRows} rows copied from the instruct model${report.appendedTokens.length > 0 ? `; appended tokens: ${report.appendedTokens.join(" ")}` : ""}`,
  );
  if (report.bodyDeltaTensors > 0) lines.push(`  body delta on ${report.bodyDeltaTensors} tensors`);
  return `${lines.join("\n")}\n`;
}

import type { EvaluationReport, ModelMetrics } from "./evaluation-report.js";
import { formatRateInterval, type RateInterval } from "./wilson-interval.js";

/** The markers around a generated table in a README: `graft report table --update` replaces what lies between them. */
export const REPORT_TABLE_START = "<!-- graft:report-table -->";
export const REPORT_TABLE_END = "<!-- /graft:report-table -->";

interface Column {
  header: string;
  cell: (model: ModelMetrics) => string;
}

const MISSING = "—";

function number(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? MISSING : value.toFixed(digits);
}

function rate(interval: RateInterval | undefined): string {
  return interval ? formatRateInterval(interval) : MISSING;
}

/** Languages (or task names) in the order the models first name them. */
function keysOf(report: EvaluationReport, pick: (model: ModelMetrics) => Record<string, unknown> | undefined): string[] {
  return [...new Set(report.models.flatMap((model) => Object.keys(pick(model) ?? {})))];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * The report as one markdown table, a row per model: characters per token and bits per character per
 * held-out language, alignment (`ru→ru`) and turn-ended rates per prompt language and multiple-choice
 * accuracy, each as `rate [low, high] n=count` (95% Wilson), and target-language characters/s.
 * README tables are this function's output, so they cannot drift from report.json.
 */
export function reportTable(report: EvaluationReport): string {
  const language = report.configuration.language;
  const columns: Column[] = [{ header: "model", cell: (model) => model.name }];
  for (const code of keysOf(report, (model) => model.efficiency))
    columns.push({ header: `${code} chars/token`, cell: (model) => number(model.efficiency[code]?.charactersPerToken, 3) });
  for (const code of keysOf(report, (model) => model.bitsPerCharacter))
    columns.push({ header: `${code} bits/char`, cell: (model) => number(model.bitsPerCharacter[code], 4) });
  const alignmentLanguages = keysOf(report, (model) => model.alignment);
  for (const code of alignmentLanguages) columns.push({ header: `${code}→${code} replies`, cell: (model) => rate(model.alignment?.[code]?.shareInterval) });
  for (const code of alignmentLanguages) columns.push({ header: `turn ended (${code})`, cell: (model) => rate(model.alignment?.[code]?.endedTurnInterval) });
  for (const task of keysOf(report, (model) => model.multipleChoice))
    columns.push({ header: `${task} accuracy`, cell: (model) => rate(model.multipleChoice[task]?.interval) });
  columns.push({ header: `${language} chars/s`, cell: (model) => number(model.speed.charactersPerSecond, 1) });
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [
    line(columns.map((column) => column.header)),
    `| ${columns.map((_, index) => (index === 0 ? "---" : "---:")).join(" | ")} |`,
    ...report.models.map((model) => line(columns.map((column) => column.cell(model)))),
  ].join("\n");
}

/**
 * `text` with the block between the report-table markers replaced by `table` (markers kept).
 * Returns undefined when the text has no complete marker pair, so a caller can say so instead of
 * writing nothing or appending in the wrong place.
 */
export function replaceReportTable(text: string, table: string): string | undefined {
  const start = text.indexOf(REPORT_TABLE_START);
  if (start < 0) return undefined;
  const end = text.indexOf(REPORT_TABLE_END, start + REPORT_TABLE_START.length);
  if (end < 0) return undefined;
  return `${text.slice(0, start + REPORT_TABLE_START.length)}\n${table}\n${text.slice(end)}`;
}

import type { EvaluationReport } from "./evaluation-report.js";
import { formatRateInterval, type RateInterval } from "./wilson-interval.js";

/** One metric across the models: a table row and a bar chart. */
export interface ReportMetricRow {
  section: string;
  label: string;
  /** Higher is better (for the delta's colour). */
  higherIsBetter: boolean;
  /** One per model; NaN where the model has no value (e.g. no chat template, so no alignment). */
  values: number[];
  /** Decimal places shown. */
  digits: number;
  /** For rates: the 95% interval of each model's value (undefined where there is none). */
  intervals?: (RateInterval | undefined)[];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Every metric of the report, grouped by section, one value per model. */
export function reportMetricRows(report: EvaluationReport): ReportMetricRow[] {
  const models = report.models;
  const rows: ReportMetricRow[] = [];
  const add = (
    section: string,
    label: string,
    higherIsBetter: boolean,
    digits: number,
    value: (model: EvaluationReport["models"][number]) => number | undefined,
    interval?: (model: EvaluationReport["models"][number]) => RateInterval | undefined,
  ) =>
    rows.push({
      section,
      label,
      higherIsBetter,
      digits,
      values: models.map((model) => value(model) ?? Number.NaN),
      ...(interval ? { intervals: models.map(interval) } : {}),
    });
  const keys = <T>(pick: (model: EvaluationReport["models"][number]) => Record<string, T> | undefined) => [
    ...new Set(models.flatMap((model) => Object.keys(pick(model) ?? {}))),
  ];

  add("tokenizer", "vocabulary size", true, 0, (model) => model.vocabularySize);
  for (const language of keys((model) => model.efficiency)) {
    add("tokenizer", `characters per token (${language})`, true, 3, (model) => model.efficiency[language]?.charactersPerToken);
    add("tokenizer", `tokens per word (${language})`, false, 3, (model) => model.efficiency[language]?.tokensPerWord);
  }
  for (const language of keys((model) => model.bitsPerCharacter))
    add("language modelling", `bits per character (${language})`, false, 4, (model) => model.bitsPerCharacter[language]);
  for (const task of keys((model) => model.multipleChoice))
    add(
      "multiple choice",
      `accuracy: ${task}`,
      true,
      3,
      (model) => model.multipleChoice[task]?.accuracy,
      (model) => model.multipleChoice[task]?.interval,
    );
  for (const language of keys((model) => model.alignment)) {
    add(
      "language alignment",
      `language alignment: ${language} prompts -> ${language} replies`,
      true,
      3,
      (model) => model.alignment?.[language]?.share,
      (model) => model.alignment?.[language]?.shareInterval,
    );
    add(
      "language alignment",
      `ended the turn (${language} prompts)`,
      true,
      3,
      (model) => model.alignment?.[language]?.endedTurn,
      (model) => model.alignment?.[language]?.endedTurnInterval,
    );
  }
  const language = models[0]?.speed.language ?? report.configuration.language;
  add("generation speed", `${language} characters per second (fixed passage)`, true, 1, (model) => model.speed.charactersPerSecond);
  add("generation speed", "decode tokens per second", true, 1, (model) => model.speed.tokensPerSecond);
  add("generation speed", "prefill tokens per second", true, 1, (model) => model.speed.prefillTokensPerSecond);
  add("generation speed", "generated characters per second (free greedy)", true, 1, (model) => model.speed.generatedCharactersPerSecond);
  return rows;
}

const COLOURS = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7"];

function formatValue(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "—";
}

/** A table cell's value: the rate with its interval where the row has one. */
function formatCell(row: ReportMetricRow, index: number): string {
  const interval = row.intervals?.[index];
  return interval && Number.isFinite(row.values[index]!) ? formatRateInterval(interval, row.digits) : formatValue(row.values[index]!, row.digits);
}

/** One horizontal bar chart (inline SVG) for a metric across models. */
function barChart(row: ReportMetricRow, names: string[]): string {
  const width = 440;
  const barHeight = 22;
  const labelWidth = 150;
  const maximum = Math.max(...row.values.filter(Number.isFinite), 1e-9);
  const bars = row.values
    .map((value, index) => {
      const length = Number.isFinite(value) ? ((width - labelWidth - 70) * Math.max(0, value)) / maximum : 0;
      const y = index * (barHeight + 6);
      return `<text x="0" y="${y + 15}" font-size="12">${escapeHtml(names[index]!.slice(0, 22))}</text><rect class="bar" x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${COLOURS[index % COLOURS.length]}"/><text x="${(labelWidth + length + 4).toFixed(1)}" y="${y + 15}" font-size="12">${formatValue(value, row.digits)}</text>`;
    })
    .join("");
  const height = row.values.length * (barHeight + 6);
  return `<figure><figcaption>${escapeHtml(row.label)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(row.label)}">${bars}</svg></figure>`;
}

function metricTable(rows: ReportMetricRow[], names: string[]): string {
  const header = names.map((name, index) => `<th>${escapeHtml(name)}</th>${index > 0 ? "<th>Δ vs 1</th>" : ""}`).join("");
  const body = rows
    .map((row) => {
      const cells = row.values
        .map((value, index) => {
          if (index === 0) return `<td>${formatCell(row, index)}</td>`;
          const delta = value - row.values[0]!;
          if (!Number.isFinite(delta)) return `<td>${formatCell(row, index)}</td><td></td>`;
          const better = row.higherIsBetter ? delta > 0 : delta < 0;
          return `<td>${formatCell(row, index)}</td><td class="${delta === 0 ? "" : better ? "better" : "worse"}">${delta >= 0 ? "+" : ""}${delta.toFixed(row.digits)}</td>`;
        })
        .join("");
      return `<tr><th scope="row">${escapeHtml(row.label)}</th>${cells}</tr>`;
    })
    .join("\n");
  return `<table><thead><tr><th>metric</th>${header}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function alignmentExamples(report: EvaluationReport, names: string[]): string {
  const rows = report.models.flatMap((model, index) =>
    Object.entries(model.alignment ?? {}).flatMap(([language, result]) =>
      result.examples.map(
        (example) =>
          `<tr><td>${escapeHtml(names[index]!)}</td><td>${escapeHtml(language)}</td><td class="text">${escapeHtml(example.prompt)}</td><td class="text">${escapeHtml(example.reply)}</td><td>${escapeHtml(example.language)}</td></tr>`,
      ),
    ),
  );
  if (rows.length === 0) return "";
  return `<h2>Alignment replies (first of each prompt set)</h2>\n<table class="examples"><thead><tr><th>model</th><th>prompt language</th><th>prompt</th><th>reply</th><th>reply language (fastText)</th></tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

/** A self-contained HTML report (inline CSS and SVG, no scripts, no network): models side by side, deltas vs the first. */
export function renderReportHtml(report: EvaluationReport): string {
  const names = report.models.map((model, index) => `${index + 1}. ${model.name}`);
  const rows = reportMetricRows(report);
  const sections = [...new Set(rows.map((row) => row.section))];
  const body = sections
    .map((section) => {
      const sectionRows = rows.filter((row) => row.section === section);
      return `<section class="metrics"><h2>${escapeHtml(section)}</h2>\n${metricTable(sectionRows, names)}\n<div class="charts">${sectionRows.map((row) => barChart(row, names)).join("\n")}</div></section>`;
    })
    .join("\n");
  const models = report.models
    .map((model, index) => `<li>${escapeHtml(names[index]!)}: <code>${escapeHtml(model.model)}</code> (${escapeHtml(model.backend)})</li>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>graft evaluation report</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th[scope=row],td.text{text-align:left}td.text{max-width:32em;font-size:90%}.better{color:#1a7f37}.worse{color:#cf222e}figure{display:inline-block;margin:0.5em 1em}figcaption{font-weight:600;margin-bottom:4px;font-size:90%}pre{background:#f6f8fa;padding:1em;overflow:auto}</style>
</head><body>
<h1>graft evaluation report</h1>
<p>Created ${escapeHtml(report.created)}; target language <b>${escapeHtml(report.configuration.language)}</b>. Deltas are against model 1; green is better.</p>
<ol class="models">${models}</ol>
${body}
${alignmentExamples(report, names)}
<h2>Versions and configuration</h2>
<pre>${escapeHtml(JSON.stringify({ versions: report.versions, configuration: report.configuration }, null, 2))}</pre>
</body></html>
`;
}

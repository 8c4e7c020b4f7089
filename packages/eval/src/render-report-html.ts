import type { EvaluationReport } from "./evaluate-models.js";

interface MetricRow {
  label: string;
  /** Higher is better (for the delta's colour). */
  higherIsBetter: boolean;
  values: number[];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function metricRows(report: EvaluationReport): MetricRow[] {
  const models = report.models;
  const rows: MetricRow[] = [{ label: "characters per token", higherIsBetter: true, values: models.map((model) => model.charactersPerToken) }];
  for (const language of Object.keys(models[0]?.bitsPerCharacter ?? {})) {
    rows.push({ label: `bits per character (${language})`, higherIsBetter: false, values: models.map((model) => model.bitsPerCharacter[language] ?? Number.NaN) });
  }
  for (const task of Object.keys(models[0]?.multipleChoice ?? {})) {
    rows.push({ label: `accuracy: ${task}`, higherIsBetter: true, values: models.map((model) => model.multipleChoice[task]?.accuracy ?? Number.NaN) });
  }
  for (const language of Object.keys(models.find((model) => model.alignment)?.alignment ?? {})) {
    rows.push({ label: `language alignment: ${language} prompts -> ${language} replies`, higherIsBetter: true, values: models.map((model) => model.alignment?.[language]?.share ?? Number.NaN) });
    rows.push({ label: `ended the turn (${language} prompts)`, higherIsBetter: true, values: models.map((model) => model.alignment?.[language]?.endedTurn ?? Number.NaN) });
  }
  rows.push({ label: "tokens per second", higherIsBetter: true, values: models.map((model) => model.speed.tokensPerSecond) });
  rows.push({ label: "characters per second", higherIsBetter: true, values: models.map((model) => model.speed.charactersPerSecond) });
  return rows;
}

const COLOURS = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7"];

/** One horizontal bar chart (inline SVG) for a metric across models. */
function barChart(row: MetricRow, names: string[]): string {
  const width = 420;
  const barHeight = 22;
  const labelWidth = 150;
  const maximum = Math.max(...row.values.filter(Number.isFinite), 1e-9);
  const bars = row.values
    .map((value, index) => {
      const length = Number.isFinite(value) ? ((width - labelWidth - 60) * value) / maximum : 0;
      const y = index * (barHeight + 6);
      return `<text x="0" y="${y + 15}" font-size="12">${escapeHtml(names[index]!)}</text><rect class="bar" x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${COLOURS[index % COLOURS.length]}"/><text x="${(labelWidth + length + 4).toFixed(1)}" y="${y + 15}" font-size="12">${value.toFixed(3)}</text>`;
    })
    .join("");
  const height = row.values.length * (barHeight + 6);
  return `<figure><figcaption>${escapeHtml(row.label)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(row.label)}">${bars}</svg></figure>`;
}

/** A self-contained HTML report (inline CSS and SVG, no scripts, no network): models side by side, deltas vs the first. */
export function renderReportHtml(report: EvaluationReport): string {
  const names = report.models.map((model, index) => `${index + 1}. ${model.model.split("/").filter(Boolean).pop() ?? model.model}`);
  const rows = metricRows(report);
  const header = names.map((name, index) => `<th>${escapeHtml(name)}</th>${index > 0 ? "<th>Δ vs 1</th>" : ""}`).join("");
  const body = rows
    .map((row) => {
      const cells = row.values
        .map((value, index) => {
          if (index === 0) return `<td>${value.toFixed(4)}</td>`;
          const delta = value - row.values[0]!;
          const better = row.higherIsBetter ? delta > 0 : delta < 0;
          return `<td>${value.toFixed(4)}</td><td class="${delta === 0 ? "" : better ? "better" : "worse"}">${delta >= 0 ? "+" : ""}${delta.toFixed(4)}</td>`;
        })
        .join("");
      return `<tr><th scope="row">${escapeHtml(row.label)}</th>${cells}</tr>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>graft evaluation report</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th[scope=row]{text-align:left}.better{color:#1a7f37}.worse{color:#cf222e}figure{display:inline-block;margin:1em}figcaption{font-weight:600;margin-bottom:4px}pre{background:#f6f8fa;padding:1em}</style>
</head><body>
<h1>graft evaluation report</h1>
<p>Created ${escapeHtml(report.created)}; target language <b>${escapeHtml(report.configuration.language)}</b>.</p>
<table><thead><tr><th>metric</th>${header}</tr></thead><tbody>
${body}
</tbody></table>
<section id="charts">${rows.map((row) => barChart(row, names)).join("\n")}</section>
<h2>Versions and configuration</h2>
<pre>${escapeHtml(JSON.stringify({ versions: report.versions, configuration: report.configuration }, null, 2))}</pre>
</body></html>
`;
}

import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { type EvaluationReport, REPORT_TABLE_END, REPORT_TABLE_START, ReportFileError, replaceReportTable, reportTable } from "@graft/eval";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

const FORMATS = ["markdown"] as const;

export const reportTableCommand: CommandDefinition = {
  name: "report table",
  summary: "print the results table of a graft eval report.json (markdown), or write it into a README between markers",
  usage: "--report FILE [--format markdown] [--update FILE]",
  description:
    "One row per model: characters per token and bits per character per held-out language, alignment and turn-ended rates per prompt language " +
    "and multiple-choice accuracy as `rate [low, high] n=count` (95% Wilson intervals), and target-language characters/s. " +
    `With --update, the lines between ${REPORT_TABLE_START} and ${REPORT_TABLE_END} in FILE are replaced by the table, so a README's results ` +
    "are always the report's and never typed by hand.",
  options: {
    report: { type: "string", placeholder: "FILE", description: "report.json written by graft eval (or graft adapt's eval stage)" },
    format: { type: "string", placeholder: "markdown", default: "markdown", description: "table format" },
    update: { type: "string", placeholder: "FILE", description: "replace the table between the graft:report-table markers in FILE instead of printing it" },
  },
  examples: ["graft report table --report runs/eval/report.json", "graft report table --report runs/eval/report.json --update examples/README.md"],
  async run({ values }, context) {
    const options = new OptionReader("report table", values);
    options.require("report");
    options.choice("format", FORMATS);
    const path = options.requiredString("report");
    const update = options.string("update");
    // A missing file is a FileSystemError (exit 1) from the read itself; what a file holds is input, not usage.
    let report: EvaluationReport;
    try {
      report = JSON.parse(await readFile(path, "utf8")) as EvaluationReport;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      // The parser's message quotes the file's bytes: not echoed, a binary file would garble the terminal.
      throw new ReportFileError({ path, message: "is not JSON; pass the report.json that graft eval (or graft adapt's eval stage) wrote" });
    }
    if (!Array.isArray(report?.models) || typeof report.configuration?.language !== "string")
      throw new ReportFileError({ path, message: 'is not a graft eval report.json (no "models" and "configuration.language")' });
    const table = reportTable(report);
    if (update === undefined) {
      context.stdout.write(context.json ? `${JSON.stringify({ type: "report-table", report: path, table })}\n` : `${table}\n`);
      return 0;
    }
    const replaced = replaceReportTable(await readFile(update, "utf8"), table);
    if (replaced === undefined)
      throw new ReportFileError({
        path: update,
        message: `has no ${REPORT_TABLE_START} ... ${REPORT_TABLE_END} block to replace; add the two markers where the table goes`,
      });
    // Written beside the file and renamed over it: an interrupted write never leaves half a README.
    const temporary = `${update}.tmp-${process.pid}`;
    try {
      await writeFile(temporary, replaced);
      await rename(temporary, update);
    } finally {
      await rm(temporary, { force: true });
    }
    context.stdout.write(
      context.json ? `${JSON.stringify({ type: "report-table-updated", report: path, file: update })}\n` : `updated the table in ${update}\n`,
    );
    return 0;
  },
};

import { describe, expect, it } from "vitest";
import { REPORT_TABLE_END, REPORT_TABLE_START, replaceReportTable, reportTable } from "./report-table.js";
import { SAMPLE_REPORT } from "./sample-report.fixture.js";

describe("reportTable", () => {
  it("prints one markdown row per model with every rate's 95% interval", () => {
    expect(reportTable(SAMPLE_REPORT).split("\n")).toEqual([
      "| model | ru chars/token | en chars/token | ru bits/char | en bits/char | ru→ru replies | en→en replies | turn ended (ru) | turn ended (en) | capitals accuracy | ru chars/s |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      "| base | 2.100 | 3.900 | 1.4000 | 0.9000 | 0.30 [0.11, 0.60] n=10 | 0.90 [0.60, 0.98] n=10 | 0.90 [0.60, 0.98] n=10 | 1.00 [0.72, 1.00] n=10 | 0.50 [0.24, 0.76] n=10 | 42.0 |",
      "| adapted | 3.900 | 3.800 | 1.1000 | 0.9500 | 0.80 [0.49, 0.94] n=10 | 0.90 [0.60, 0.98] n=10 | 0.90 [0.60, 0.98] n=10 | 1.00 [0.72, 1.00] n=10 | 0.60 [0.31, 0.83] n=10 | 70.0 |",
    ]);
  });

  it("marks what a model lacks (no chat template: no alignment) and escapes pipes in names", () => {
    const [first, second] = SAMPLE_REPORT.models;
    const report = { ...SAMPLE_REPORT, models: [first!, { ...second!, name: "a|b", alignment: undefined }] };
    const last = reportTable(report).split("\n")[3]!;
    expect(last.startsWith("| a\\|b | 3.900 |")).toBe(true);
    expect(last).toContain("| — | — | — | — |");
  });

  it("replaces only the block between the markers", () => {
    const readme = `# Results\n\n${REPORT_TABLE_START}\nold table\n${REPORT_TABLE_END}\n\nmore text\n`;
    expect(replaceReportTable(readme, "| new |")).toBe(`# Results\n\n${REPORT_TABLE_START}\n| new |\n${REPORT_TABLE_END}\n\nmore text\n`);
    expect(replaceReportTable("no markers here", "| new |")).toBeUndefined();
    expect(replaceReportTable(`${REPORT_TABLE_START} but no end`, "| new |")).toBeUndefined();
  });
});

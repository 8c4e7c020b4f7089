import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type EvaluationReport, REPORT_TABLE_END, REPORT_TABLE_START, reportTable, wilsonInterval } from "@graft/eval";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { graft } from "../testing/run-graft.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

const report = {
  created: "2026-01-01T00:00:00.000Z",
  versions: {},
  configuration: { models: ["runs/base"], language: "ru", heldout: "ru.txt", tasks: [] },
  models: [
    {
      model: "runs/base",
      name: "base",
      backend: "onnx",
      vocabularySize: 100,
      charactersPerToken: 2,
      efficiency: { ru: { charactersPerToken: 2, tokensPerWord: 3, bytesPerToken: 3.6, byteTokenShare: 0 } },
      bitsPerCharacter: { ru: 1.25 },
      multipleChoice: {},
      speed: {
        language: "ru",
        prefillTokensPerSecond: 100,
        tokensPerSecond: 10,
        newTokens: 8,
        generatedCharactersPerSecond: 20,
        charactersPerSecond: 20,
        passageCharacters: 300,
        passageTokens: 150,
      },
      alignment: {
        ru: { share: 0.6, count: 240, endedTurn: 0.5, shareInterval: wilsonInterval(144, 240), endedTurnInterval: wilsonInterval(120, 240), examples: [] },
      },
    },
  ],
} satisfies EvaluationReport;

describe("graft report table", () => {
  const path = join(work.path, "report.json");
  writeFileSync(path, JSON.stringify(report));

  it("prints reportTable of the report", async () => {
    const result = await graft("report", "table", "--report", path);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toBe(`${reportTable(report)}\n`);
    expect(result.out).toContain("| 0.60 [0.54, 0.66] n=240 |");
  });

  it("--update replaces the block between the markers and nothing else", async () => {
    const readme = join(work.path, "README.md");
    writeFileSync(readme, `# Results\n\n${REPORT_TABLE_START}\n| stale |\n${REPORT_TABLE_END}\n\nThe end.\n`);
    const result = await graft("report", "table", "--report", path, "--update", readme);
    expect(result.code, result.err).toBe(0);
    expect(readFileSync(readme, "utf8")).toBe(`# Results\n\n${REPORT_TABLE_START}\n${reportTable(report)}\n${REPORT_TABLE_END}\n\nThe end.\n`);
  });

  it("refuses a file without markers, a JSON file that is not a report and a binary file (ReportFileError, exit 1, file unchanged, no bytes echoed)", async () => {
    const readme = join(work.path, "plain.md");
    writeFileSync(readme, "# No markers\n");
    const unmarked = await graft("report", "table", "--report", path, "--update", readme);
    expect(unmarked.code).toBe(1);
    expect(unmarked.err).toContain("ReportFileError: ");
    expect(unmarked.err).toContain("has no <!-- graft:report-table --> ... <!-- /graft:report-table --> block");
    expect(readFileSync(readme, "utf8")).toBe("# No markers\n");
    const other = join(work.path, "other.json");
    writeFileSync(other, '{"hello": 1}');
    const notReport = await graft("report", "table", "--report", other);
    expect(notReport.code).toBe(1);
    expect(notReport.err).toContain("is not a graft eval report.json");
    const binary = join(work.path, "binary.json");
    writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x1b, 0x5b, 0x32, 0x4a]));
    const garbled = await graft("report", "table", "--report", binary);
    expect(garbled.code).toBe(1);
    expect(garbled.err).toBe(
      `graft report table: ReportFileError: ${binary}: is not JSON; pass the report.json that graft eval (or graft adapt's eval stage) wrote\n`,
    );
    const missing = await graft("report", "table", "--report", join(work.path, "nope.json"));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("FileSystemError: ");
    expect(readdirSync(work.path).filter((name) => name.includes(".tmp-"))).toEqual([]);
  });
});

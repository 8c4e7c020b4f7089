import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import type { EvaluationReport } from "./evaluation-report.js";
import { renderReportHtml, reportMetricRows } from "./render-report-html.js";

/** Debian's chromium; CI installs it with `apt-get install -y chromium`. */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
const workspace = temporaryDirectory("graft-eval-html-");
afterAll(() => workspace.remove());

const speed = (tokensPerSecond: number, charactersPerSecond: number) => ({
  language: "ru",
  prefillTokensPerSecond: 10 * tokensPerSecond,
  tokensPerSecond,
  newTokens: 64,
  generatedCharactersPerSecond: 2 * tokensPerSecond,
  charactersPerSecond,
  passageCharacters: 300,
  passageTokens: Math.round((300 * tokensPerSecond) / charactersPerSecond),
});
const efficiency = (ru: number, en: number) => ({
  ru: { charactersPerToken: ru, tokensPerWord: 7 / ru, bytesPerToken: 1.8 * ru, byteTokenShare: 0.01 },
  en: { charactersPerToken: en, tokensPerWord: 5 / en, bytesPerToken: en, byteTokenShare: 0 },
});
const alignment = (ru: number) => ({
  ru: { share: ru, count: 10, endedTurn: 0.9, examples: [{ prompt: "Как дела?", reply: "Хорошо <b>", language: "ru" }] },
  en: { share: 0.9, count: 10, endedTurn: 1, examples: [] },
});
const report: EvaluationReport = {
  created: "2026-01-01T00:00:00.000Z",
  versions: { "@graft/eval": "0.1.0", node: "v20" },
  configuration: { models: ["base", "adapted"], language: "ru", heldout: "ru.txt", tasks: ["capitals.jsonl"] },
  models: [
    {
      model: "runs/base",
      name: "base",
      backend: "onnx",
      vocabularySize: 32000,
      charactersPerToken: 2.1,
      efficiency: efficiency(2.1, 3.9),
      bitsPerCharacter: { ru: 1.4, en: 0.9 },
      multipleChoice: { capitals: { accuracy: 0.5, count: 10 } },
      speed: speed(20, 42),
      alignment: alignment(0.3),
    },
    {
      model: "runs/adapted",
      name: "adapted",
      backend: "onnx",
      vocabularySize: 48000,
      charactersPerToken: 3.9,
      efficiency: efficiency(3.9, 3.8),
      bitsPerCharacter: { ru: 1.1, en: 0.95 },
      multipleChoice: { capitals: { accuracy: 0.6, count: 10 } },
      speed: speed(18, 70),
      alignment: alignment(0.8),
    },
  ],
};

describe("report.html in headless Chromium", () => {
  if (!CHROMIUM) {
    // CI installs Chromium (.ci/run), so there a missing browser is a failure, not a skip.
    if (process.env.CI) throw new Error("CI has no Debian chromium at /usr/bin/chromium: .ci/run installs it with `apt-get install -y chromium`");
    console.log("skipped: no Debian chromium at /usr/bin/chromium (install it with `apt-get install -y chromium`)");
  }
  it.skipIf(!CHROMIUM)("renders every chart with no console errors and saves a screenshot", async () => {
    const path = join(workspace.path, "report.html");
    await writeFile(path, renderReportHtml(report));
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("request", (request) => !request.url().startsWith("file:") && errors.push(`network request: ${request.url()}`));
      await page.goto(`file://${path}`);
      const charts = await page.locator("svg").count();
      const bars = await page
        .locator("rect.bar")
        .evaluateAll((elements) => elements.map((element) => (element as unknown as { getBBox(): { width: number } }).getBBox().width));
      // Every metric (tokenizer, bits/char, accuracy, alignment, speed) has a chart with one bar per model.
      const rows = reportMetricRows(report);
      expect(rows.map((row) => row.section)).toEqual(
        expect.arrayContaining(["tokenizer", "language modelling", "multiple choice", "language alignment", "generation speed"]),
      );
      expect(charts).toBe(rows.length);
      expect(bars.length).toBe(rows.length * report.models.length);
      expect(bars.every((width) => width > 0)).toBe(true);
      await page.screenshot({ path: join(workspace.path, "report.png"), fullPage: true });
      expect(existsSync(join(workspace.path, "report.png"))).toBe(true);
      // Model output is escaped, not rendered (one example row per model).
      expect(await page.locator("td.text", { hasText: "Хорошо <b>" }).count()).toBe(report.models.length);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

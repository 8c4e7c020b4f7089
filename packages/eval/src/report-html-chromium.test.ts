import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { renderReportHtml, reportMetricRows } from "./render-report-html.js";
import { SAMPLE_REPORT as report } from "./sample-report.fixture.js";

/** Debian's chromium; CI installs it with `apt-get install -y chromium`. */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
const workspace = temporaryDirectory("graft-eval-html-");
afterAll(() => workspace.remove());

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

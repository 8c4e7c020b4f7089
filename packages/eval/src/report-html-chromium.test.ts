import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { temporaryDirectory } from "@graft/testing";
import type { EvaluationReport } from "./evaluate-models.js";
import { renderReportHtml } from "./render-report-html.js";

/** Debian's chromium; CI installs it with `apt-get install -y chromium`. */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
const workspace = temporaryDirectory("graft-eval-html-");
afterAll(() => workspace.remove());

const report: EvaluationReport = {
  created: "2026-01-01T00:00:00.000Z",
  versions: { "@graft/eval": "0.1.0", node: "v20" },
  configuration: { models: ["base", "adapted"], language: "ru", heldout: "ru.txt", tasks: ["capitals.jsonl"] },
  models: [
    { model: "base", charactersPerToken: 2.1, bitsPerCharacter: { ru: 1.4, en: 0.9 }, multipleChoice: { capitals: { accuracy: 0.5, count: 10 } }, speed: { tokensPerSecond: 20, charactersPerSecond: 42, newTokens: 64 } },
    { model: "adapted", charactersPerToken: 3.9, bitsPerCharacter: { ru: 1.1, en: 0.95 }, multipleChoice: { capitals: { accuracy: 0.6, count: 10 } }, speed: { tokensPerSecond: 18, charactersPerSecond: 70, newTokens: 64 } },
  ],
};

describe("report.html in headless Chromium", () => {
  if (!CHROMIUM) {
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
      const bars = await page.locator("rect.bar").evaluateAll((elements) => elements.map((element) => (element as unknown as { getBBox(): { width: number } }).getBBox().width));
      expect(charts).toBe(6);
      expect(bars.length).toBe(12);
      expect(bars.every((width) => width > 0)).toBe(true);
      await page.screenshot({ path: join(workspace.path, "report.png"), fullPage: true });
      expect(existsSync(join(workspace.path, "report.png"))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

// The embedded default run (`npm run demo`): graft adapt (in process, @graft/adapt as the command uses it)
// on the tiny model zoo and the packaged Russian data; writes demo-output/report.html comparing the
// original instruct model, InsCP on it, LEP, and LEP followed by InsCP.
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { adapt, createProgressDisplay, parseAdaptConfig } from "@graft/adapt";
import { demoChecks, formatChecks } from "./demo-summary.js";
import { standInModels } from "./stand-in-models.js";

/** The demo's config, beside src/ and dist/. */
const CONFIG_FILE = fileURLToPath(new URL("../adapt-demo.yaml", import.meta.url));
/** The limit for the whole demo on 2 CPU cores. */
const TIME_BUDGET_MINUTES = 20;

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const output = join(root, "demo-output");
const started = performance.now();
const say = (line: string) => process.stdout.write(`${line}\n`);
const json = process.argv.includes("--json");

const config = parseAdaptConfig(await readFile(CONFIG_FILE, "utf8"), CONFIG_FILE);
if (config.base === undefined || !existsSync(join(config.base, "config.json")) || !existsSync(join(config.instruct, "config.json"))) {
  say(`demo: the tiny model zoo (${config.base}, ${config.instruct}) is not there; using stand-in models instead (see apps/demo/README.md)`);
  Object.assign(config, await standInModels(root, join(output, "models"), say));
}
await mkdir(output, { recursive: true });
const configPath = join(output, "adapt.json");
await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
const display = createProgressDisplay();
const { report } = await adapt(config, {
  onEvent: (event) => {
    for (const line of json ? [JSON.stringify(event)] : display(event)) say(line);
  },
});
await copyFile(report, join(output, "report.html"));
await copyFile(report.replace(/report\.html$/, "report.json"), join(output, "report.json"));

const evaluation = JSON.parse(await readFile(join(output, "report.json"), "utf8"));
const minutes = (performance.now() - started) / 60_000;
say("");
say(`demo: the issue's checks (from ${join(output, "report.json")}):`);
say(formatChecks(demoChecks(evaluation.models, config.language, ["instruct", "instruct+inscp", "lep", "lep+inscp"])));
say(`demo: done in ${minutes.toFixed(1)} min (budget ${TIME_BUDGET_MINUTES} min on 2 cores).`);
say(`demo: the report: ${join(output, "report.html")}`);
say(`demo: rerun or change it with: npx graft adapt --config ${configPath} [--dry-run | --from STAGE]`);

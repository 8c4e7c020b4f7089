import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { adapt, adaptStages, createProgressDisplay, EXAMPLE_CONFIG, EXAMPLE_INSTRUCT_ONLY_CONFIG, formatPlan, loadAdaptConfig } from "@graft/adapt";
import { GraftError } from "@graft/errors";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

/** Ctrl-C once: stop the running stage cleanly (the trainer saves nothing new; checkpoints stay). */
function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new GraftError({ name: "InterruptedError", message: "interrupted; rerun the same command to resume" }));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

export const adaptCommand: CommandDefinition = {
  name: "adapt",
  summary: "the whole pipeline from a config: corpus → vocab → init → embeddings CP → LEP (with a base model) → InsCP → eval report",
  usage: "--config FILE [--profile NAME] [--dry-run] [--from STAGE] [--until STAGE] [--force] | --init [--instruct-only] [FILE]",
  description:
    "Without base in the config (instruct-only): the instruct model's own tokenizer is extended, its embeddings\n" +
    "trained on the corpus wrapped in its chat template (embeddings-instruct), then InsCP; no LEP.\n" +
    "Each stage's output is keyed by a hash of its settings, its input files and its upstream stages' keys: a rerun\n" +
    "skips finished stages; --from STAGE redoes that stage and the stages depending on it; --force redoes all;\n" +
    "--dry-run prints the plan and why (missing, key changed: which setting / input / upstream, forced).\n" +
    "A stage writes into OUT/.partial/STAGE and is renamed into place with its .graft-stage.json only when complete,\n" +
    "so a killed run leaves no half output and resumes at the unfinished stage (training from its last checkpoint).\n" +
    "Logs: OUT/logs/STAGE.log. --json prints the events (stage-start, stage-progress, stage-end, ...).\n" +
    "A config may hold profiles (named partial configs merged over the rest, e.g. cpu and gpu sizes) and a\n" +
    "defaultProfile; --profile NAME picks one. corpus.replay mixes text of the model's own language (English)\n" +
    "into every training set, a share of the characters, so continued pre-training does not wash it out.",
  options: {
    config: { type: "string", placeholder: "FILE", description: "YAML or JSON config (see --init)" },
    profile: { type: "string", placeholder: "NAME", description: "the config's profile to merge over it (its profiles section; default its defaultProfile)" },
    "dry-run": { type: "boolean", description: "print the plan: what would run and why; run nothing" },
    from: { type: "string", placeholder: "STAGE", description: "redo this stage and every stage depending on it" },
    until: { type: "string", placeholder: "STAGE", description: "stop after this stage" },
    force: { type: "boolean", description: "redo every stage" },
    init: { type: "boolean", description: "write a commented example config to FILE (default graft-adapt.yaml)" },
    "instruct-only": { type: "boolean", description: "with --init: the example without a base model (instruct-only adaptation)" },
  },
  allowPositionals: true,
  examples: [
    "graft adapt --init adapt-ru.yaml",
    "graft adapt --init --instruct-only adapt-ru-instruct.yaml",
    "graft adapt --config adapt-ru.yaml --dry-run",
    "graft adapt --config adapt-ru.yaml",
    "graft adapt --config adapt-ru.yaml --from lep --json",
    "graft adapt --config examples/smollm2-ru.yaml --profile gpu --dry-run",
  ],
  async run({ values, positionals }, context) {
    const options = new OptionReader("adapt", values);
    if (options.flag("init")) {
      if (positionals.length > 1) throw options.error(`--init takes one FILE, got ${positionals.length}: ${positionals.join(" ")}`);
      const path = positionals[0] ?? "graft-adapt.yaml";
      if (existsSync(path)) throw options.error(`${path} exists; choose another file name or remove it`);
      await writeFile(path, options.flag("instruct-only") ? EXAMPLE_INSTRUCT_ONLY_CONFIG : EXAMPLE_CONFIG);
      context.stdout.write(`wrote ${path}: edit the paths, then run graft adapt --config ${path} --dry-run\n`);
      return 0;
    }
    if (options.flag("instruct-only")) throw options.error("--instruct-only goes with --init (a config is instruct-only when it has no base)");
    if (positionals.length > 0) throw options.error(`unexpected argument ${positionals[0]}; the config goes after --config`);
    const configPath = options.string("config");
    if (!configPath) throw options.error("missing --config FILE (or --init [FILE] to write an example)");
    const config = await loadAdaptConfig(configPath, { profile: options.string("profile") });
    // The stages depend on the config (inscp.on adds some), so --from and --until are checked once it is read.
    const stages = adaptStages(config).map((stage) => stage.name);
    const from = options.choice("from", stages);
    const until = options.choice("until", stages);
    const dryRun = options.flag("dry-run");
    const write = (line: string) => context.stdout.write(`${line}\n`);
    const display = createProgressDisplay();
    const interrupt = interruptSignal();
    try {
      const { plan } = await adapt(config, {
        from,
        until,
        force: options.flag("force"),
        dryRun,
        signal: interrupt.signal,
        onEvent: (event) => {
          for (const line of context.json ? [JSON.stringify(event)] : display(event)) write(line);
        },
      });
      if (dryRun && !context.json) write(formatPlan(plan));
    } finally {
      interrupt.dispose();
    }
    return 0;
  },
};

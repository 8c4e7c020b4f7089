import { formatLepReport, LEP_REPORT_FILE, type LepEvent, PRODUCT_ENGINES, PROPAGATION_MODES, propagateEmbeddings } from "@graft/lep";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

function describeEvent(event: LepEvent): string | undefined {
  switch (event.type) {
    case "inputs-validated":
      return `inputs agree: ${event.tied ? "tied" : "untied"}, modules ${event.modules.join(", ")}, ${event.fitRows} fit rows, output vocab ${event.vocabSize}`;
    case "fit-progress":
      return `${event.module}: fit ${event.rows}/${event.total} rows ${((100 * event.rows) / event.total).toFixed(1)}%  ${event.rowsPerSecond} rows/s  eta ${event.etaSeconds} s`;
    case "map-solved":
      return `${event.module}: solved in ${event.seconds.toFixed(1)} s, residual ${event.residual.toExponential(3)}, condition ${event.condition.toExponential(2)}${event.ridgeFallbackUsed ? `, WARNING: not positive definite, ridge fallback λ = ${event.ridge}` : ""}`;
    case "tensor-written":
      return event.done === event.total || event.done % 50 === 0 ? `written ${event.done}/${event.total} tensors (${event.name})` : undefined;
    default:
      return undefined;
  }
}

export const lepCommand: CommandDefinition = {
  name: "lep",
  summary: "propagate CP-trained embeddings into the instruct model (LEP conversion / overlap / swap, Chat Vector body delta)",
  usage:
    "--base DIR --instruct DIR --donor DIR --out DIR [--mode conversion|overlap|swap] [--ridge λ] [--no-ridge-fallback] [--body-delta] [--engine onnxruntime|javascript] [--threads N]",
  description:
    "base: the model the donor was trained from; instruct: its instruct model; donor: the base after vocabulary extension and\n" +
    "embedding-only continual pre-training. Per module (embed_tokens, and lm_head unless tied) a d x d map P is fitted\n" +
    "(conversion: on the mean-aggregated rows A S -> A T; overlap: on the shared tokens; swap: identity) and the donor rows\n" +
    "times P become the output rows. The output has the donor's vocabulary plus the instruct model's special tokens, chat\n" +
    `template and body. The report (residual, condition, time per module) is printed and written to OUT/${LEP_REPORT_FILE}.`,
  options: {
    base: { type: "string", placeholder: "DIR", description: "base model directory (S)" },
    instruct: { type: "string", placeholder: "DIR", description: "instruct model directory of the same base (T)" },
    donor: { type: "string", placeholder: "DIR", description: "the CP'd donor with the extended tokenizer (X)" },
    out: { type: "string", placeholder: "DIR", description: "output model directory (written to a temporary sibling, then renamed)" },
    mode: { type: "string", placeholder: "MODE", default: "conversion", description: `propagation: ${PROPAGATION_MODES.join(", ")}` },
    ridge: { type: "string", placeholder: "λ", default: "0", description: "ridge (0 or more) added to the diagonal of ŜᵀŜ" },
    "no-ridge-fallback": { type: "boolean", description: "fail (instead of retrying with a small ridge) when ŜᵀŜ + λI is not positive definite" },
    "body-delta": {
      type: "boolean",
      description: "Chat Vector: every non-embedding tensor = donor + (instruct − base), for a donor that trained more than the embeddings",
    },
    overwrite: { type: "boolean", description: "replace an existing --out directory" },
    engine: {
      type: "string",
      placeholder: "ENGINE",
      default: "onnxruntime",
      description:
        "dense products on onnxruntime (multi-threaded GEMM; float64 fit, map applied in float32 for bf16/f16 outputs) or javascript (float64 worker kernels, slower)",
    },
    threads: { type: "string", placeholder: "N", description: "threads for the products (default: the available cores)" },
  },
  examples: [
    "graft lep --base models/llama-3-8b --instruct models/llama-3-8b-instruct --donor runs/ru-embeddings --out models/llama-3-8b-instruct-ru",
    "graft lep --base b --instruct i --donor d --mode overlap --ridge 1e-4 --out o --json",
    "graft lep --base b --instruct i --donor d --out o --engine javascript --threads 4",
  ],
  async run({ values }, context) {
    const options = new OptionReader("lep", values);
    options.require("base", "instruct", "donor", "out");
    const mode = options.choice("mode", PROPAGATION_MODES) ?? "conversion";
    const ridge = options.number("ridge", { min: 0 }) ?? 0;
    const engine = options.choice("engine", PRODUCT_ENGINES) ?? "onnxruntime";
    const threads = options.integer("threads", { min: 1 });
    const write = (line: string) => context.stdout.write(`${line}\n`);
    const { report } = await propagateEmbeddings({
      base: options.requiredString("base"),
      instruct: options.requiredString("instruct"),
      donor: options.requiredString("donor"),
      out: options.requiredString("out"),
      mode,
      ridge,
      ridgeFallback: !options.flag("no-ridge-fallback"),
      bodyDelta: options.flag("body-delta"),
      overwrite: options.flag("overwrite"),
      engine,
      threads,
      onEvent: (event) => {
        if (context.json) write(JSON.stringify(event));
        else {
          const line = describeEvent(event);
          if (line) write(line);
        }
      },
    });
    if (!context.json) context.stdout.write(formatLepReport(report));
    return 0;
  },
};

import { spawnSync } from "node:child_process";
import { resolvePython } from "@graft/utils";
import type { CommandDefinition } from "../command.js";
import { OptionReader } from "../option-reader.js";

const MINIMUM_NODE_MAJOR = 20;

/** Printed by the interpreter: versions of what the trainer needs, and the accelerators. */
const PROBE = `
import json, importlib, platform, sys
report = {"python": platform.python_version(), "executable": sys.executable, "packages": {}, "cuda": None}
for name in ["torch", "transformers", "accelerate", "peft", "safetensors", "tokenizers", "numpy"]:
    try:
        report["packages"][name] = importlib.import_module(name).__version__
    except Exception as error:
        report["packages"][name] = None
try:
    import torch
    cuda = {"available": torch.cuda.is_available(), "version": torch.version.cuda, "devices": []}
    if cuda["available"]:
        for index in range(torch.cuda.device_count()):
            properties = torch.cuda.get_device_properties(index)
            cuda["devices"].append({"name": properties.name, "memory_gib": round(properties.total_memory / 2**30, 1)})
    report["cuda"] = cuda
except Exception:
    pass
print(json.dumps(report))
`;

interface ProbeReport {
  python: string;
  executable: string;
  packages: Record<string, string | null>;
  cuda: { available: boolean; version: string | null; devices: { name: string; memory_gib: number }[] } | null;
}

interface Check {
  name: string;
  ok: boolean;
  value: string;
  fix?: string;
}

export const doctorCommand: CommandDefinition = {
  name: "doctor",
  summary: "check Node, Python, torch, transformers, accelerate, peft and the GPUs, with the fix for what is missing",
  usage: "[--python PATH]",
  options: {
    python: { type: "string", placeholder: "PATH", description: "interpreter to check (default: GRAFT_PYTHON, else the nearest .venv, else python3)" },
  },
  examples: ["graft doctor", "GRAFT_PYTHON=~/miniconda3/envs/cuda/bin/python graft doctor --json"],
  async run({ values }, context) {
    const options = new OptionReader("doctor", values);
    const pythonPath = options.string("python");
    const python = pythonPath ? { path: pythonPath, source: "--python" } : resolvePython();
    const checks: Check[] = [];
    const nodeMajor = Number(process.versions.node.split(".")[0]);
    checks.push({
      name: "node",
      ok: nodeMajor >= MINIMUM_NODE_MAJOR,
      value: process.versions.node,
      fix: `install Node ${MINIMUM_NODE_MAJOR} or newer`,
    });
    const probe = spawnSync(python.path, ["-c", PROBE], { encoding: "utf8", timeout: 120_000 });
    let report: ProbeReport | undefined;
    if (probe.status === 0) {
      try {
        report = JSON.parse(probe.stdout.trim().split("\n").pop() ?? "") as ProbeReport;
      } catch {
        report = undefined;
      }
    }
    checks.push({
      name: "python",
      ok: report !== undefined,
      value: report
        ? `${report.python} (${report.executable}, from ${python.source})`
        : `${python.path} did not run (${probe.error?.message ?? probe.stderr?.trim().split("\n").pop() ?? "unknown"})`,
      fix: "run `npm run bootstrap` in the graft checkout (creates .venv), or set GRAFT_PYTHON to a Python 3.10+ interpreter",
    });
    for (const name of ["torch", "transformers", "accelerate", "peft", "safetensors", "tokenizers", "numpy"]) {
      const version = report?.packages[name] ?? null;
      checks.push({
        name,
        ok: version !== null,
        value: version ?? "missing",
        fix: `${python.path} -m pip install -r requirements.txt   (or: pip install ${name === "torch" ? "torch (the build for your CUDA, see pytorch.org)" : name})`,
      });
    }
    const cuda = report?.cuda;
    const gpuSummary = cuda?.available
      ? `CUDA ${cuda.version}, ${cuda.devices.length} GPU(s): ${cuda.devices.map((device) => `${device.name} ${device.memory_gib} GiB`).join(", ")}`
      : `none (CPU only${cuda?.version ? `; torch built for CUDA ${cuda.version}` : "; torch is a CPU build"})`;
    const requiredOk = checks.every((check) => check.ok);
    if (context.json) {
      context.stdout.write(`${JSON.stringify({ type: "doctor-report", ok: requiredOk, checks, gpus: cuda?.devices ?? [], cuda: cuda ?? null })}\n`);
    } else {
      for (const check of checks) {
        context.stdout.write(`${check.ok ? "ok  " : "FAIL"} ${check.name.padEnd(13)} ${check.value}\n`);
        if (!check.ok && check.fix) context.stdout.write(`     fix: ${check.fix}\n`);
      }
      context.stdout.write(`info gpus          ${gpuSummary}\n`);
      if (!cuda?.available) context.stdout.write("     (training runs on the CPU; for a GPU, set GRAFT_PYTHON to an environment with a CUDA build of torch)\n");
      context.stdout.write(requiredOk ? "\nAll required parts are present.\n" : "\nSome required parts are missing: apply the fixes above.\n");
    }
    return requiredOk ? 0 : 1;
  },
};

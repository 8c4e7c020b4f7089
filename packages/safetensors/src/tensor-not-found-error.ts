import { SafetensorsError } from "./safetensors-error.js";

const marker = "graft.error.TensorNotFoundError";
const symbol = Symbol.for(marker);

/** A tensor name that the file or index does not hold; lists the closest names. */
export class TensorNotFoundError extends SafetensorsError {
  private readonly [symbol] = true;
  readonly tensorName: string;

  constructor({ path, tensorName, available }: { path: string; tensorName: string; available: readonly string[] }) {
    const close = closestNames(tensorName, available);
    super({
      name: "TensorNotFoundError",
      path,
      message: `${path}: no tensor named "${tensorName}" (${available.length} tensors present${close.length ? `; closest: ${close.join(", ")}` : ""}). Check the name against \`tensorNames()\`.`,
    });
    this.tensorName = tensorName;
  }

  static override isInstance(error: unknown): error is TensorNotFoundError {
    return SafetensorsError.hasMarker(error, marker);
  }
}

function closestNames(name: string, available: readonly string[]): string[] {
  const parts = new Set(name.split("."));
  return [...available]
    .map((candidate) => ({ candidate, score: candidate.split(".").filter((part) => parts.has(part)).length }))
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map((entry) => entry.candidate);
}

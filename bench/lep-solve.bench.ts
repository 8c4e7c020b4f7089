// Benchmark: solving LEP's normal equations (L Lᵀ P = C, d x d, float64) for d = 1,024 and 2,048:
// graft's blocked Cholesky on ONNX Runtime (`blockedCholeskyFactor` + `blockedCholeskySolve`, the
// default engine's solve) against its JavaScript solve (`choleskyFactor` + `choleskySolveColumns`)
// and torch (`torch.linalg.cholesky` + `torch.cholesky_solve`, 2 threads) on the same matrices.
// Prints a table and the ratio. Run: npm run bench lep-solve   (env: BENCH_LEP_SOLVE_SIZES=1024,2048)
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// The solver's internals, read from their files: they are not part of @graft/lep's public surface.
import { blockedCholeskyFactor, blockedCholeskySolve } from "../packages/lep/src/blocked-cholesky.ts";
import { choleskyFactor, choleskySolveColumns } from "../packages/lep/src/cholesky.ts";
import { DenseProducts } from "../packages/lep/src/dense-products.ts";

const python = process.env.GRAFT_PYTHON ?? join(fileURLToPath(new URL("..", import.meta.url)), ".venv", "bin", "python");
const sizes = (process.env.BENCH_LEP_SOLVE_SIZES ?? "1024,2048").split(",").map(Number);
const threads = cpus().length;

/** A symmetric positive definite d x d matrix (diagonally dominant, deterministic) and a right-hand side. */
function system(width: number): { matrix: Float64Array; rightHandSides: Float64Array } {
  const matrix = new Float64Array(width * width);
  for (let i = 0; i < width; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      const value = i === j ? width : Math.sin(i * 7 + j * 3) * 0.5;
      matrix[i * width + j] = value;
      matrix[j * width + i] = value;
    }
  }
  const rightHandSides = new Float64Array(width * width);
  for (let index = 0; index < rightHandSides.length; index += 1) rightHandSides[index] = Math.cos(index * 0.37);
  return { matrix, rightHandSides };
}

const products = await DenseProducts.open(threads);
console.log(`\nCholesky solve of L Lᵀ P = C (d x d, d right-hand sides, float64); ${threads} cores`);
console.log("| d | graft blocked on ONNX Runtime s | graft JavaScript s | torch s | blocked / torch |");
console.log("|---:|---:|---:|---:|---:|");
for (const width of sizes) {
  const { matrix, rightHandSides } = system(width);
  let start = performance.now();
  const factored = await blockedCholeskyFactor(products, matrix, width);
  if (!factored.ok) throw new Error("not positive definite");
  const blockedSolution = await blockedCholeskySolve(products, factored.factor, width, rightHandSides, width);
  const blocked = (performance.now() - start) / 1000;
  start = performance.now();
  const plain = choleskyFactor(matrix, width);
  if (!plain.ok) throw new Error("not positive definite");
  // choleskySolveColumns works on columns: the symmetric system's C is passed as its transpose.
  const columns = new Float64Array(width * width);
  for (let i = 0; i < width; i += 1) for (let j = 0; j < width; j += 1) columns[j * width + i] = rightHandSides[i * width + j]!;
  const javascriptSolution = choleskySolveColumns(plain.factor, width, columns, width);
  const javascript = (performance.now() - start) / 1000;
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < width; i += 1) {
    for (let j = 0; j < width; j += 1) {
      difference += (blockedSolution[i * width + j]! - javascriptSolution[j * width + i]!) ** 2;
      norm += blockedSolution[i * width + j]! ** 2;
    }
  }
  const torch = spawnSync(
    python,
    [
      "-c",
      `
import json, math, sys, time, torch
torch.set_num_threads(${threads})
d = ${width}
i = torch.arange(d, dtype=torch.float64)
a = torch.sin(i[:, None] * 7 + i[None, :] * 3) * 0.5
a = torch.tril(a, -1); a = a + a.T + torch.eye(d, dtype=torch.float64) * d
c = torch.cos(torch.arange(d * d, dtype=torch.float64) * 0.37).reshape(d, d)
start = time.perf_counter()
p = torch.cholesky_solve(c, torch.linalg.cholesky(a))
print(json.dumps({"seconds": time.perf_counter() - start}))
`,
    ],
    { encoding: "utf8" },
  );
  if (torch.status !== 0) throw new Error(torch.stderr);
  const torchSeconds = JSON.parse(torch.stdout.trim().split("\n").pop() as string).seconds as number;
  console.log(`| ${width} | ${blocked.toFixed(2)} | ${javascript.toFixed(2)} | ${torchSeconds.toFixed(2)} | ${(blocked / torchSeconds).toFixed(2)} |`);
  console.log(`  (blocked vs JavaScript solution: relative difference ${Math.sqrt(difference / norm).toExponential(1)})`);
}
await products.release();

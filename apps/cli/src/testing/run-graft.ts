// Test helpers: run `graft` commands in process and capture what they print.
import { PassThrough } from "node:stream";
import * as registry from "../commands/index.js";
import { runCli } from "../run-cli.js";

/** Two streams collecting what is written to them. */
export function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  return { io: { stdout, stderr }, output: () => ({ out, err }) };
}

/** `graft ...argv` with every registered command; its exit code and output. */
export async function graft(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { io, output } = capture();
  const code = await runCli(Object.values(registry), argv, io);
  return { code, ...output() };
}

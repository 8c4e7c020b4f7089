import { PassThrough } from "node:stream";
import { referencePython } from "@graft/testing";
import { describe, expect, it } from "vitest";
import { doctorCommand } from "./doctor.js";

async function runDoctor(values: Record<string, string | boolean>) {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (chunk) => (out += chunk));
  const code = await doctorCommand.run({ values, positionals: [] }, { stdout, stderr: new PassThrough(), json: Boolean(values.json) });
  return { code, out };
}

describe("graft doctor", () => {
  it("reports the real versions of the reference environment as JSON", async () => {
    const { code, out } = await runDoctor({ json: true, python: referencePython() });
    const report = JSON.parse(out.trim());
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    const byName = Object.fromEntries(report.checks.map((check: { name: string; value: string }) => [check.name, check.value]));
    expect(byName.torch).toMatch(/^2\.\d+/);
    expect(byName.transformers).toMatch(/^\d+\.\d+/);
    expect(byName.peft).toMatch(/^\d+\.\d+/);
  });

  it("names the fix when the interpreter is missing", async () => {
    const { code, out } = await runDoctor({ python: "/nonexistent/python3" });
    expect(code).toBe(1);
    expect(out).toContain("FAIL python");
    expect(out).toContain("npm run bootstrap");
  });
});

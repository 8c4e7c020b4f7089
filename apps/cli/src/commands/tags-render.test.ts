import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ChatTemplateError } from "@graft/chat-tags";
import { fixtureTokenizerDirectory, temporaryDirectory } from "@graft/testing";
import { afterAll, describe, expect, it } from "vitest";
import { tagsRenderCommand } from "./tags-render.js";

const work = temporaryDirectory();
afterAll(() => work.remove());

describe("graft tags render", () => {
  it("writes text, ids and masks as JSONL and shows masked spans", async () => {
    const input = join(work.path, "in.jsonl");
    const out = join(work.path, "out.jsonl");
    writeFileSync(input, '{"text": "Привет, мир."}\n{"broken": true}\n');
    const stdout = new PassThrough();
    let printed = "";
    stdout.on("data", (chunk) => (printed += chunk));
    const code = await tagsRenderCommand.run(
      {
        values: {
          model: fixtureTokenizerDirectory("llama3"),
          input,
          out,
          format: "inscp-document",
          mask: "assistant",
          show: "1",
          "text-field": "text",
          "on-error": "skip",
        },
        positionals: [],
      },
      { stdout, stderr: new PassThrough(), json: false },
    );
    expect(code).toBe(0);
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0].ids.length).toBe(lines[0].mask.length);
    expect(printed).toContain("⟦<|begin_of_text|><|start_header_id|>user");
    expect(printed).toContain("Привет, мир.<|eot_id|>");
    expect(printed).toContain("1 bad lines skipped");
    expect(printed).toMatch(/skipped line 2: .*field "text" is missing/);
  });

  it("fails with a typed error naming --template for a model without a chat template, leaving no output", async () => {
    const input = join(work.path, "no-template.jsonl");
    const out = join(work.path, "no-template.out.jsonl");
    writeFileSync(input, '{"text": "Привет"}\n');
    const model = fixtureTokenizerDirectory("llama2");
    const error = await tagsRenderCommand
      .run(
        { values: { model, input, out, format: "inscp-document", mask: "all", "text-field": "text", "on-error": "stop" }, positionals: [] },
        { stdout: new PassThrough(), stderr: new PassThrough(), json: false },
      )
      .catch((caught: unknown) => caught);
    expect(ChatTemplateError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(model);
    expect((error as Error).message).toContain("--template FILE");
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work.path).filter((name) => name.startsWith("no-template.out.jsonl.tmp"))).toEqual([]);
  });
});

describe("graft tags render with nothing to render", () => {
  it("refuses an input whose every line is skipped: SampleInputError, nothing written", async () => {
    const input = join(work.path, "all-bad.jsonl");
    const out = join(work.path, "all-bad-out.jsonl");
    writeFileSync(input, '{"broken": true}\n{"also": "broken"}\n');
    const { graft } = await import("../testing/run-graft.js");
    const result = await graft("tags", "render", "--model", fixtureTokenizerDirectory("llama3"), "--input", input, "--out", out, "--format", "inscp-document");
    expect(result.code, result.err).toBe(1);
    expect(result.err).toMatch(/SampleInputError: .*all-bad\.jsonl:1: no sample was rendered: 2 lines read, 2 skipped \(the first: /);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work.path).filter((name) => name.startsWith("all-bad-out.jsonl.tmp-"))).toEqual([]);
  });
});

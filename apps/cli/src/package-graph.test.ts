// The packages' dependency graph as their package.json files declare it and their imports use it:
// leaves at the bottom, no cycles, every import declared, and the rules of the layout kept
// (propagation never pulls in evaluation; one module talks to onnxruntime-node).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repositoryRoot } from "@graft/testing";
import { describe, expect, it } from "vitest";

interface Workspace {
  name: string;
  directory: string;
  dependencies: string[];
  devDependencies: string[];
}

const root = repositoryRoot();
const workspaces: Workspace[] = ["packages", "apps"].flatMap((top) =>
  readdirSync(join(root, top)).map((name) => {
    const directory = join(root, top, name);
    const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as Record<string, Record<string, string> | string>;
    const graft = (field: string) =>
      Object.keys((manifest[field] as Record<string, string> | undefined) ?? {}).filter((dependency) => dependency.startsWith("@graft/"));
    return { name: manifest.name as string, directory, dependencies: graft("dependencies"), devDependencies: graft("devDependencies") };
  }),
);
const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function importedPackages(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import\()\s*"((?:@[\w-]+\/)?[\w.-]+)/g)].map((match) => match[1] as string);
}

/** Every package reachable from `name` through runtime dependencies. */
function closure(name: string, seen = new Set<string>()): Set<string> {
  for (const dependency of byName.get(name)?.dependencies ?? []) {
    if (seen.has(dependency)) continue;
    seen.add(dependency);
    closure(dependency, seen);
  }
  return seen;
}

describe("the package graph", () => {
  it("names only workspaces and has no cycle", () => {
    for (const workspace of workspaces) {
      for (const dependency of [...workspace.dependencies, ...workspace.devDependencies])
        expect(byName.has(dependency), `${workspace.name} -> ${dependency}`).toBe(true);
      expect(closure(workspace.name).has(workspace.name), `${workspace.name} depends on itself through its dependencies`).toBe(false);
    }
  });

  it("keeps the leaves leaves and propagation apart from evaluation", () => {
    expect(byName.get("@graft/errors")?.dependencies).toEqual([]);
    expect(byName.get("@graft/utils")?.dependencies).toEqual([]);
    expect(byName.get("@graft/safetensors")?.dependencies).toEqual(["@graft/errors"]);
    expect([...closure("@graft/lep")]).not.toContain("@graft/eval");
    expect([...closure("@graft/onnx")]).not.toContain("@graft/eval");
  });

  it("declares every @graft import: source files in dependencies, tests in either", () => {
    const undeclared: string[] = [];
    // @graft/testing's own dependencies test with its fixtures too; declaring it would be a cycle.
    const belowTesting = closure("@graft/testing");
    for (const workspace of workspaces) {
      for (const file of sourceFiles(join(workspace.directory, "src"))) {
        const isTest = /\.test\.ts$|\/testing\//.test(file);
        const allowed = new Set([workspace.name, ...workspace.dependencies, ...(isTest ? workspace.devDependencies : [])]);
        for (const imported of importedPackages(file).filter((name) => name.startsWith("@graft/"))) {
          if (isTest && imported === "@graft/testing" && belowTesting.has(workspace.name)) continue;
          if (!allowed.has(imported)) undeclared.push(`${relative(root, file)} imports ${imported}`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });

  it("has exactly one module that imports onnxruntime-node", () => {
    const importers = workspaces.flatMap((workspace) =>
      sourceFiles(join(workspace.directory, "src")).filter((file) => !file.endsWith(".test.ts") && importedPackages(file).includes("onnxruntime-node")),
    );
    expect(importers.map((file) => relative(root, file))).toEqual(["packages/onnx/src/onnx-session.ts"]);
  });
});

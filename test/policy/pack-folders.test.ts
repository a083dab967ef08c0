import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../helpers/offline";
import { PACK_DIRS, PLAN_PACKS } from "../../src/policy/packs";

// Each pack folder as the Pulumi CLI loads it (docs/policy-packs.md): read as files, never
// imported (index.ts would start the analyzer's gRPC server).

const rootPkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const rootRanges: Record<string, string> = { ...rootPkg.dependencies, ...rootPkg.devDependencies };

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

const IMPORT = /^\s*(?:import|export)[^'"]*?from\s+["']([^"']+)["']/gm;

/**
 * Every file the pack loads, following relative imports from its own files (into policy/common
 * and the repository's src/), as ts-node does when the CLI runs the pack.
 */
function loadedFiles(folder: string): string[] {
  const seen = new Set<string>();
  const queue = tsFiles(folder);
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of fs.readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = m[1]!;
      if (!spec.startsWith(".")) continue;
      const base = path.resolve(path.dirname(file), spec);
      const target = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
      if (target) queue.push(target);
    }
  }
  return [...seen];
}

/** The package an import specifier names (`@pulumi/aws/kms` -> `@pulumi/aws`), or undefined for a relative or node: import. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

describe.each(PLAN_PACKS.map((p) => [p.name, PACK_DIRS[p.name]!] as const))("pack %s", (name, dir) => {
  const folder = path.join(PROJECT_DIR, dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(folder, "package.json"), "utf8")) as { name: string; version: string; dependencies: Record<string, string> };

  it("PulumiPolicy.yaml: the nodejs runtime and a description", () => {
    const project = parseYaml(fs.readFileSync(path.join(folder, "PulumiPolicy.yaml"), "utf8")) as Record<string, unknown>;
    expect(project["runtime"]).toBe("nodejs");
    expect(String(project["description"]).length).toBeGreaterThan(20);
  });

  it("package.json: a version (PolicyPack refuses to start without one) and the runtime dependencies, at the repository's ranges", () => {
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const needed of ["@pulumi/policy", "@pulumi/pulumi", "ts-node", "typescript"]) expect(Object.keys(pkg.dependencies)).toContain(needed);
    for (const [dep, range] of Object.entries(pkg.dependencies)) expect(range, dep).toBe(rootRanges[dep]);
  });

  it("every package a module the pack loads imports (its own, policy/common, src/) is a dependency of the pack", () => {
    const files = loadedFiles(folder);
    expect(files.length).toBeGreaterThan(3);
    const imported = new Set(files.flatMap((f) => [...fs.readFileSync(f, "utf8").matchAll(IMPORT)].flatMap((m) => packageOf(m[1]!) ?? [])));
    for (const dep of imported) expect(Object.keys(pkg.dependencies), `${dep} imported by a module ${dir} loads`).toContain(dep);
  });

  it("tsconfig.json states the module settings itself (the CLI's ts-node reads no extends and defaults to nodenext)", () => {
    const tsconfig = JSON.parse(fs.readFileSync(path.join(folder, "tsconfig.json"), "utf8")) as { extends?: string; compilerOptions: Record<string, unknown> };
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.compilerOptions).toMatchObject({ module: "commonjs", strict: true });
    // No moduleResolution: TypeScript 7 refuses node10 and 5.9 refuses bundler with commonjs; each
    // defaults to the one it accepts.
    expect(tsconfig.compilerOptions["moduleResolution"]).toBeUndefined();
  });

  it("index.ts holds only the PolicyPack, built from pack.ts, under the pack's name", () => {
    const code = fs
      .readFileSync(path.join(folder, "index.ts"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.trim().startsWith("//"));
    expect(code).toHaveLength(3);
    expect(code[0]).toBe('import { PolicyPack } from "@pulumi/policy";');
    expect(code[1]).toMatch(/^import \{ (\w+) \} from "\.\/pack";$/);
    const binding = /\{ (\w+) \}/.exec(code[1]!)![1]!;
    expect(code[2]).toBe(`new PolicyPack(${binding}.name, ${binding}.args, ${binding}.initialConfig);`);
    expect(name).toBe(dir === "policy/attestation" ? "tee-prover-attestation" : "tee-prover-baseline");
  });
});

describe("the packs' rules", () => {
  it("have unique names across both packs (one config file serves both)", () => {
    const names = PLAN_PACKS.flatMap((p) => p.args.policies.map((r) => r.name));
    expect(new Set(names).size).toBe(names.length);
  });
});

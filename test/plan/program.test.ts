import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../helpers/offline";
import type { DeclaredComponent } from "../../src/plan/engine";
import { declaredFleets, NoFleetError } from "../../src/plan/fleets";
import { planProgram } from "../../src/plan/program";
import { ProgramError, readPulumiProject } from "../../src/plan/project";
import * as pulumi from "@pulumi/pulumi";
import { offlinePlanMarker } from "../../src/config/placeholders";
import { readStackFile } from "../../src/config/load";
import { resolveStackConfig } from "../../src/config/resolve";

// planProgram in-process: how a program directory is read, how fleets are recognised, and what a
// program that throws yields. The CLI test plans a real two-fleet program in a child process.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-program-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(tmp, "p-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function programError(f: () => unknown): ProgramError {
  try {
    f();
  } catch (e) {
    if (e instanceof ProgramError) return e;
    throw e;
  }
  throw new Error("expected a ProgramError");
}

describe("readPulumiProject: Pulumi.yaml as `pulumi up` reads it", () => {
  it("runtime as a string or { name, options }; the entry is index.ts by default, or `main`", () => {
    const dir = project({ "Pulumi.yaml": "name: team\nruntime: nodejs\n", "index.ts": "" });
    expect(readPulumiProject(dir)).toEqual({ dir, name: "team", entry: path.join(dir, "index.ts"), stackConfigDir: dir });
    const withMain = project({ "Pulumi.yaml": "name: team\nruntime:\n  name: nodejs\n  options: { typescript: true }\nmain: infra/\nstackConfigDir: stacks\n", "infra/package.json": '{"main": "program.ts"}', "infra/program.ts": "" });
    expect(readPulumiProject(withMain)).toMatchObject({ entry: path.join(withMain, "infra/program.ts"), stackConfigDir: path.join(withMain, "stacks") });
    const mainFile = project({ "Pulumi.yaml": "name: team\nruntime: nodejs\nmain: src/deploy.ts\n", "src/deploy.ts": "" });
    expect(readPulumiProject(mainFile).entry).toBe(path.join(mainFile, "src/deploy.ts"));
  });

  it("refuses, with exit code 2, what it cannot plan: no project name, another runtime, a missing main", () => {
    expect(programError(() => readPulumiProject(path.join(tmp, "absent")))).toMatchObject({ exitCode: 2, message: expect.stringContaining("not a directory") });
    expect(programError(() => readPulumiProject(project({ "Pulumi.yaml": "runtime: nodejs\n" })))).toMatchObject({ exitCode: 2, message: expect.stringContaining("no project name") });
    expect(programError(() => readPulumiProject(project({ "Pulumi.yaml": "name: t\nruntime: { name: go }\n" }))).message).toContain('runtime is "go"; the offline plan runs Node.js (TypeScript) programs only');
    expect(programError(() => readPulumiProject(project({ "Pulumi.yaml": "name: t\nruntime: nodejs\nmain: gone.ts\n" }))).message).toMatch(/Pulumi\.yaml main: \S+gone\.ts does not exist/);
    expect(programError(() => readPulumiProject(project({ "Pulumi.yaml": "name: t\nruntime: nodejs\n" }))).message).toContain("no program in");
  });
});

describe("declaredFleets: fleets by type token, facts by shape", () => {
  const review = { environment: "prod", ingressMode: "passthrough", plaintext: { seenBy: [], canInterpose: [], closedBy: "", summary: "" }, activeRelease: "v1", acceptedReleases: ["v1"], unobservableAlarms: [] };
  const component = (type: string, name: string, instance: object): DeclaredComponent => ({ type, name, instance });

  it("a component of another type is not a fleet; a fleet reports its environment and mode", () => {
    const fleets = declaredFleets([component("team:index:Network", "net", {}), component("tee-prover:aws:NitroProofServer", "a", { review })]);
    expect(fleets).toEqual([{ component: { type: "tee-prover:aws:NitroProofServer", name: "a" }, cloud: "aws", environment: "prod", ingressMode: "passthrough", review }]);
    expect(declaredFleets([component("team:index:Network", "net", {})])).toEqual([]);
  });

  it("a fleet without readable review facts is an error naming it, not a silent gap in the plan", () => {
    const { environment: _dropped, ...old } = review;
    expect(() => declaredFleets([component("tee-prover:gcp:ConfidentialSpaceProofServer", "b", { review: old })])).toThrow(
      "tee-prover:gcp:ConfidentialSpaceProofServer b exposes no review facts the plan can read",
    );
  });

  it("an AzureConfidentialProofServer is a fleet of cloud azure", () => {
    expect(declaredFleets([component("tee-prover:azure:ConfidentialProofServer", "z", { review })]).map((f) => [f.component.type, f.cloud])).toEqual([["tee-prover:azure:ConfidentialProofServer", "azure"]]);
  });

  it("no fleet: the message says so and what to do", () => {
    expect(new NoFleetError(3).message).toMatch(/^the program declared no NitroProofServer, ConfidentialSpaceProofServer or AzureConfidentialProofServer \(3 other resources\)/);
  });
});

describe("planProgram", () => {
  it("a stack the program has no file for is a ConfigError listing its stacks", async () => {
    await expect(planProgram({ programDir: path.join(PROJECT_DIR, "test/plan/fixtures/throwing-program"), stack: "prod" })).rejects.toThrow("use one of: dev");
  });

  it("a program that throws: exit 1 with its message and the line in the program, after the runtime settled", async () => {
    const dir = path.join(PROJECT_DIR, "test/plan/fixtures/throwing-program");
    const error = await planProgram({ programDir: dir, stack: "dev" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProgramError);
    const { exitCode, message } = error as ProgramError;
    expect(exitCode).toBe(1);
    // The key is read in the program's own namespace (the project name), as Pulumi reads it.
    expect(message).toContain(`the program ${path.join(dir, "index.ts")} failed under the mock runtime: Missing required configuration variable 'team-thrower:owner'`);
    // The frame in the program's own file (its line as written outside vitest, whose stack
    // formatter maps only the modules it transformed itself).
    expect(message).toMatch(/\n {2}at .*throwing-program\/index\.ts:\d+:\d+$/);
  });

  it("leaves no offline-plan marker and no config behind: prod's placeholders are refused again afterwards (an in-process deploy may follow)", async () => {
    const dir = path.join(PROJECT_DIR, "test/plan/fixtures/throwing-program");
    await planProgram({ programDir: dir, stack: "dev" }).catch(() => undefined);
    expect(offlinePlanMarker()).toBeUndefined();
    // Nor the program's config: the next program in this process starts from its own.
    expect(pulumi.runtime.allConfig()).toEqual({});
    const prod = readStackFile(PROJECT_DIR, "prod").values;
    expect(() => resolveStackConfig({ values: prod, projectDir: PROJECT_DIR })).toThrow(/is a placeholder left from an example/);
  });
});

import { createRequire } from "node:module";
import * as path from "node:path";
import { readStackFile, toPulumiConfigMap } from "../config/load";
import type { PlannedResource, PulumiSdk } from "./engine";
import { declaredFleets, NoFleetError } from "./fleets";
import { ciphertextFingerprints, fingerprintKeyFromEnv } from "./inputs";
import { ProgramError, readPulumiProject } from "./project";
import type { FleetInput, Plan } from "./report";

/**
 * The offline plan of a platform team's own Pulumi TypeScript program (docs/offline-plan.md):
 * reads `<programDir>/Pulumi.yaml` and `Pulumi.<stack>.yaml`, runs the program's entry under the
 * mock runtime and reviews every NitroProofServer / ConfidentialSpaceProofServer it declares.
 *
 * Throws ProgramError (bad directory, project or program), ConfigError (no such stack file) or
 * NoFleetError (the program declares no fleet). Runs once per process, like every mock run.
 */
export async function planProgram(options: { programDir: string; stack: string }): Promise<Plan> {
  const recorded = await recordProgram(options);
  if (recorded.fleets.length === 0) throw new NoFleetError(recorded.resources.length);
  const { buildPlan } = await import("./report");
  const fingerprintKey = fingerprintKeyFromEnv();
  return buildPlan({ stack: options.stack, fleets: recorded.fleets, resources: recorded.resources, secretKeys: recorded.secretKeys, secretConfig: recorded.secretConfig, ...(fingerprintKey ? { fingerprintKey } : {}) });
}

/** What one run of a program declared: the policy packs judge its resources whether or not it has a fleet. */
export interface RecordedProgram {
  /** The project name (Pulumi.yaml `name`), part of every URN. */
  readonly project: string;
  readonly resources: PlannedResource[];
  readonly fleets: FleetInput[];
  readonly secretKeys: string[];
  /** Ciphertext fingerprints of the stack file's `secure:` values (src/plan/inputs.ts). */
  readonly secretConfig: Record<string, string>;
}

/** Runs the program under the mock runtime and records it (planProgram without the fleet requirement). */
export async function recordProgram(options: { programDir: string; stack: string }): Promise<RecordedProgram> {
  const project = readPulumiProject(options.programDir);
  const stackFile = readStackFile(project.stackConfigDir, options.stack, project.name);
  const sdk = programSdk(project.dir);
  const { runOffline } = await import("./engine");
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const values = stackFile.values;
  const gcpProject = str(values["gcp:project"]);
  const azureSubscriptionId = str(values["azure-native:subscriptionId"]);
  const unregister = registerTypeScript(project.dir);
  const cwd = process.cwd();
  // A program that throws is caught here and reported after the run: thrown into the Pulumi
  // runtime, the error escapes as an unhandled rejection and ends the process with a raw trace.
  let failure: { error: unknown } | undefined;
  let run;
  try {
    run = await runOffline({
      project: project.name,
      stack: options.stack,
      // Only the placeholder ids and ARNs the mocks invent depend on it.
      region: str(values["aws:region"]) ?? str(values["gcp:region"]) ?? str(values["azure-native:location"]) ?? "us-east-1",
      ...(gcpProject ? { gcpProject } : {}),
      ...(azureSubscriptionId ? { azureSubscriptionId } : {}),
      config: toPulumiConfigMap(values),
      sdk,
      program: async () => {
        try {
          // Pulumi runs a program from its project directory; relative paths in it resolve from there.
          process.chdir(project.dir);
          const exported: unknown = createRequire(project.entry)(project.entry);
          // `export = async () => {...}`: Pulumi calls the function and exports what it returns.
          const main = typeof exported === "function" ? exported : exported && typeof exported === "object" && "default" in exported && typeof exported.default === "function" ? exported.default : undefined;
          const outputs: unknown = main ? await (main as () => unknown)() : exported;
          return outputs && typeof outputs === "object" ? { ...outputs } : {};
        } catch (error) {
          failure = { error };
          return {};
        }
      },
    });
  } catch (error) {
    failure = { error };
  } finally {
    process.chdir(cwd);
    unregister();
  }
  if (failure || !run) throw new ProgramError(programFailure(project.entry, project.dir, failure?.error), 1);
  return { project: project.name, resources: run.resources, fleets: declaredFleets(run.components), secretKeys: stackFile.secretKeys, secretConfig: ciphertextFingerprints(stackFile.file, project.name) };
}

/**
 * The program's own @pulumi/pulumi, resolved from its directory as its `import` resolves it. Pulumi
 * keeps most run state on `global`, but a second copy of the SDK still has its own classes and
 * module state (the settings module's monitor and sync-invoke clients), and another version may
 * read the shared store differently: mocks installed through our copy would then not be the
 * runtime the program registers its resources with, and the plan could come back empty or hang on
 * RPCs nobody answers. Running the mocks in the program's copy makes them one runtime.
 */
function programSdk(dir: string): PulumiSdk {
  const fromProgram = createRequire(path.join(dir, "package.json"));
  let file: string;
  try {
    file = fromProgram.resolve("@pulumi/pulumi");
  } catch {
    throw new ProgramError(`${dir}: @pulumi/pulumi cannot be resolved from the program directory; run \`npm install\` there first`, 1);
  }
  return fromProgram(file) as PulumiSdk;
}

/**
 * tsx's CommonJS hook, so `require` loads the program's TypeScript; returns its unregister. The
 * program's own tsx first, then ours: tsx is a development dependency of this package, so an
 * installed tee-prover-infra may have none.
 */
function registerTypeScript(dir: string): () => void {
  type TsxCjsApi = { register: () => () => void };
  // tsx compiles with inline source maps; Node applies them only when asked, and a failure should
  // name the line of the program as written.
  process.setSourceMapsEnabled(true);
  for (const from of [path.join(dir, "package.json"), __filename]) {
    try {
      return (createRequire(from)("tsx/cjs/api") as TsxCjsApi).register();
    } catch (e) {
      if (!(e instanceof Error && "code" in e && e.code === "MODULE_NOT_FOUND")) throw e;
    }
  }
  throw new ProgramError(`planning a TypeScript program needs tsx: run \`npm install --save-dev tsx\` in ${dir}`, 1);
}

/** What went wrong, and where in the program: the first stack frame in its own files. */
function programFailure(entry: string, dir: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const frame = e instanceof Error ? e.stack?.split("\n").find((l) => l.includes(dir) && !l.includes(`${path.sep}node_modules${path.sep}`)) : undefined;
  return `the program ${entry} failed under the mock runtime: ${message}${frame ? `\n  ${frame.trim()}` : ""}`;
}

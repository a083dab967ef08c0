// `npm run plan -- <stack> [--json FILE]`: the offline plan (docs/offline-plan.md). Reads
// Pulumi.<stack>.yaml, runs index.ts (or, with --program DIR, a platform team's own program)
// under the mock runtime and prints what a reviewer needs, then runs the policy packs in policy/
// over the recorded resources (docs/policy-packs.md).
//
// With --diff BASE.json it prints what changed against an earlier plan instead (src/plan/diff.ts).
//
// Exit codes: 0 planned (and no mandatory policy violation), 1 bad config, program or policy
// config, or an unreadable --diff base plan, 2 usage, 3 planned but a policy pack refuses the
// stack (a mandatory violation). A diff with changes is not an error: its exit code is the plan's.
import * as fs from "node:fs";
import * as path from "node:path";
import type { FleetInput, Plan } from "./report";
import type { PlannedResource } from "./engine";
import { leanPlanProcess, withoutStackCapture } from "./lean-runtime";

// Before anything loads @pulumi/pulumi: no closure-serialization modules, no source maps (docs/testing.md).
leanPlanProcess();

// Without an extension: index.ts under tsx, index.js in the compiled tree `npm run plan` runs (bin/plan.cjs).
const PROGRAM = path.resolve(__dirname, "../../index");
const USAGE = "usage: npm run plan -- <stack> [--json FILE] [--project-dir DIR | --program DIR] [--policy-pack-config FILE]... [--no-policy] [--export-state FILE] [--diff BASE.json [--format text|markdown] [--max-chars N]]";
/** A mandatory policy violation: the plan ran, and a pack refuses the stack. */
const EXIT_POLICY_REFUSED = 3;

interface CliArgs {
  stack: string;
  json?: string;
  projectDir: string;
  /** A Pulumi project directory whose program is planned instead of this repository's. */
  program?: string;
  /** `--policy-pack-config` files: one for every pack, or one per pack in pack order. */
  policyConfigs: string[];
  /** False with --no-policy. */
  policy: boolean;
  /** Where to write the recorded resources as a `pulumi stack export` state file. */
  exportState?: string;
  /** A plan written earlier with --json: print the differences against it instead of the plan. */
  diff?: string;
  format: "text" | "markdown";
  maxChars?: number;
}

function parseArgs(argv: string[]): CliArgs {
  let stack: string | undefined;
  let json: string | undefined;
  let projectDir: string | undefined;
  let program: string | undefined;
  let exportState: string | undefined;
  let diff: string | undefined;
  let format: "text" | "markdown" | undefined;
  let maxChars: number | undefined;
  let policy = true;
  const policyConfigs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (!v) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--json") json = value();
    else if (arg === "--project-dir") projectDir = path.resolve(value());
    else if (arg === "--program") program = value();
    else if (arg === "--policy-pack-config") policyConfigs.push(value());
    else if (arg === "--no-policy") policy = false;
    else if (arg === "--export-state") exportState = value();
    else if (arg === "--diff") diff = value();
    else if (arg === "--format") {
      const f = value();
      if (f !== "text" && f !== "markdown") throw new UsageError(`--format is text or markdown, not ${f}`);
      format = f;
    } else if (arg === "--max-chars") {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1000) throw new UsageError("--max-chars needs a whole number of at least 1000");
      maxChars = n;
    }
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (!stack) stack = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!stack) throw new UsageError("name the stack, e.g. dev");
  if (program && projectDir) throw new UsageError("--program and --project-dir exclude each other (a program's stack files sit beside its Pulumi.yaml)");
  if (!policy && policyConfigs.length > 0) throw new UsageError("--no-policy and --policy-pack-config exclude each other");
  if (!diff && (format || maxChars)) throw new UsageError("--format and --max-chars apply to --diff BASE.json");
  return {
    stack,
    projectDir: projectDir ?? process.cwd(),
    policy,
    policyConfigs,
    format: format ?? "text",
    ...(json ? { json } : {}),
    ...(program ? { program } : {}),
    ...(exportState ? { exportState } : {}),
    ...(diff ? { diff } : {}),
    ...(maxChars ? { maxChars } : {}),
  };
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const started = Date.now();
  // A config file that is not JSON, or names a level that does not exist, is refused before the
  // program runs (its schema is checked once the packs are loaded, after the run). Loads no Pulumi module.
  if (args.policy) {
    const { readPolicyPackConfigFile } = await import("../policy/config");
    args.policyConfigs.forEach(readPolicyPackConfigFile);
  }
  // The base plan is read before the program runs: a wrong path should not cost a plan.
  let base: import("./diff").DiffablePlan | undefined;
  if (args.diff) {
    const { parsePlanJson, PlanFileError } = await import("./diff");
    let text: string;
    try {
      text = fs.readFileSync(args.diff, "utf8");
    } catch (e) {
      throw new PlanFileError(`cannot read the base plan ${args.diff}: ${e instanceof Error ? e.message : String(e)}`);
    }
    base = parsePlanJson(text, args.diff);
  }
  const { fingerprintKeyFromEnv } = await import("./inputs");
  let fingerprintKey: string | undefined;
  try {
    fingerprintKey = fingerprintKeyFromEnv();
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const recorded = args.program ? await (await import("./program")).recordProgram({ programDir: args.program, stack: args.stack }) : await recordRepository(args);
  const { NoFleetError } = await import("./fleets");
  // Without the packs, a program without a fleet has nothing to review (as before the packs).
  if (recorded.fleets.length === 0 && !args.policy) throw new NoFleetError(recorded.resources.length);
  const { buildPlan, renderText, stableJson } = await import("./report");
  const reviewed = buildPlan({ stack: args.stack, fleets: recorded.fleets, resources: recorded.resources, secretKeys: recorded.secretKeys, secretConfig: recorded.secretConfig, ...(fingerprintKey ? { fingerprintKey } : {}) });
  let refused = false;
  let plan: Plan = { ...reviewed, policy: { evaluated: false, note: "--no-policy" } };
  if (args.policy) {
    const { runPlanPolicies } = await import("../policy/packs");
    const verdict = await runPlanPolicies(recorded.resources, { stack: args.stack, project: recorded.project, configFiles: args.policyConfigs });
    refused = verdict.mandatory > 0;
    plan = { ...reviewed, policy: verdict };
  }
  // Values `pulumi up` would refuse (placeholders in prod): first in the text, and in the JSON.
  const { offlinePlanMarker, withPlaceholderFinding } = await import("../config/placeholders");
  const finding = withPlaceholderFinding(plan, [...(offlinePlanMarker()?.placeholders.values() ?? [])]);
  // With --diff, stdout is the diff alone (CI posts it as it is); the rest goes to stderr.
  const say = (s: string) => (base ? process.stderr : process.stdout).write(s);
  if (base) {
    say(finding.text);
    const { diffPlans, renderDiff } = await import("./diff");
    process.stdout.write(renderDiff(diffPlans(base, JSON.parse(stableJson(finding.json)) as Plan), { format: args.format, ...(args.maxChars ? { maxChars: args.maxChars } : {}) }));
  } else {
    // The packs judge any program; only the fleet review needs one of our components.
    if (recorded.fleets.length === 0) process.stdout.write(`No fleet to review: ${new NoFleetError(recorded.resources.length).message}\nThe policy packs still judge its resources.\n\n`);
    process.stdout.write(finding.text);
    process.stdout.write(renderText(plan));
  }
  say(`\nPlanned ${plan.counts.total} resources in ${Date.now() - started} ms.\n`);
  if (args.json) {
    fs.writeFileSync(args.json, stableJson(finding.json));
    say(`Wrote ${args.json}\n`);
  }
  if (args.exportState) {
    const { toStateFile } = await import("../policy/resources");
    fs.writeFileSync(args.exportState, `${JSON.stringify(toStateFile(recorded.resources, args.stack, recorded.project, new Date().toISOString()), null, 2)}\n`);
    say(`Wrote ${args.exportState} (judge it with: pulumi policy analyze --file ${args.exportState} --policy-pack policy/attestation --policy-pack policy/baseline)\n`);
  }
  return refused ? EXIT_POLICY_REFUSED : 0;
}

interface Recorded {
  readonly project: string;
  readonly resources: PlannedResource[];
  readonly fleets: FleetInput[];
  readonly secretKeys: string[];
  readonly secretConfig: Record<string, string>;
}

/** This repository's program (index.ts) with its validated stack config. */
async function recordRepository(args: CliArgs): Promise<Recorded> {
  // Loaded only now: the config modules pull in @pulumi/pulumi and the engine the providers
  // (seconds of module loading), which a usage error has no need of.
  const { readStackFile, toPulumiConfigMap } = await import("../config/load");
  const { resolveStackConfig } = await import("../config/resolve");
  const { PROJECT } = await import("../config/schema");
  const stackFile = readStackFile(args.projectDir, args.stack);
  const { runOffline, placementOf, installOfflinePlanMarker } = await import("./engine");
  // The offline plan reports a prod stack's placeholders instead of refusing it (docs/environments.md).
  installOfflinePlanMarker();
  // Validate first, so bad config is reported as such and never as a failure inside the program.
  const config = resolveStackConfig({ values: stackFile.values, projectDir: args.projectDir });
  const { declaredFleets } = await import("./fleets");
  const run = await withoutStackCapture(() => runOffline({
    project: PROJECT,
    stack: args.stack,
    ...placementOf(config),
    config: toPulumiConfigMap(stackFile.values),
    // The repository's program, run from the project directory as `pulumi up` runs it.
    program: async () => {
      process.chdir(args.projectDir);
      // index.ts assigns its outputs (a promise of them) to module.exports; under ESM interop they
      // arrive as `default`.
      const program = (await import(PROGRAM)) as { default?: Promise<Record<string, unknown>> };
      return { ...(await (program.default ?? program)) };
    },
  }));
  // The review facts come from the component instance, as for any program (src/plan/fleets.ts).
  const { ciphertextFingerprints } = await import("./inputs");
  return { project: PROJECT, resources: run.resources, fleets: declaredFleets(run.components), secretKeys: stackFile.secretKeys, secretConfig: ciphertextFingerprints(stackFile.file, PROJECT) };
}

// Set the exit code instead of exiting: the mock runtime still has the stack's output
// registration in flight, and exiting early makes Pulumi report leaked promises.
main().then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    // Only a failure after the arguments parsed can be a ConfigError, so the module is loaded by now.
    const { ConfigError } = await import("../config/errors");
    const { ProgramError } = await import("./project");
    const { NoFleetError } = await import("./fleets");
    const { PolicyConfigError } = await import("../policy/config");
    const { PolicyRunError } = await import("../policy/run");
    const { PlanFileError } = await import("./diff");
    if (e instanceof PlanFileError || e instanceof ConfigError || e instanceof NoFleetError || e instanceof PolicyConfigError || e instanceof PolicyRunError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    if (e instanceof ProgramError) {
      process.stderr.write(`${e.message}\n${e.exitCode === 2 ? `${USAGE}\n` : ""}`);
      process.exit(e.exitCode);
    }
    const positions = process.sourceMapsEnabled ? "" : "(the plan keeps no stack while the program runs, and positions are in the compiled code; NODE_OPTIONS=--enable-source-maps gives the whole stack in TypeScript)\n";
    process.stderr.write(`offline plan failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n${positions}`);
    process.exit(1);
  },
);

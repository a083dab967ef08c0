// `npm run plan -- <stack> [--json FILE]`: the offline plan (docs/offline-plan.md). Reads
// Pulumi.<stack>.yaml, runs index.ts (or, with --program DIR, a platform team's own program)
// under the mock runtime and prints what a reviewer needs.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Plan } from "./report";

const PROGRAM = path.resolve(__dirname, "../../index.ts");
const USAGE = "usage: npm run plan -- <stack> [--json FILE] [--project-dir DIR | --program DIR]";

interface CliArgs {
  stack: string;
  json?: string;
  projectDir: string;
  /** A Pulumi project directory whose program is planned instead of this repository's. */
  program?: string;
}

function parseArgs(argv: string[]): CliArgs {
  let stack: string | undefined;
  let json: string | undefined;
  let projectDir: string | undefined;
  let program: string | undefined;
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
    else if (arg === "--diff" || arg === "--format") throw new UsageError(`${arg} is not available yet (plan diffs and markdown come with the policy-pack work)`);
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (!stack) stack = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!stack) throw new UsageError("name the stack, e.g. dev");
  if (program && projectDir) throw new UsageError("--program and --project-dir exclude each other (a program's stack files sit beside its Pulumi.yaml)");
  return { stack, projectDir: projectDir ?? process.cwd(), ...(json ? { json } : {}), ...(program ? { program } : {}) };
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
  const plan = args.program ? await (await import("./program")).planProgram({ programDir: args.program, stack: args.stack }) : await planRepository(args);
  const { renderText, stableJson } = await import("./report");
  process.stdout.write(renderText(plan));
  process.stdout.write(`\nPlanned ${plan.counts.total} resources in ${Date.now() - started} ms.\n`);
  if (args.json) {
    fs.writeFileSync(args.json, stableJson(plan));
    process.stdout.write(`Wrote ${args.json}\n`);
  }
  return 0;
}

/** This repository's program (index.ts) with its validated stack config. */
async function planRepository(args: CliArgs): Promise<Plan> {
  // Loaded only now: the config modules pull in @pulumi/pulumi and the engine the providers
  // (seconds of module loading), which a usage error has no need of.
  const { readStackFile, toPulumiConfigMap } = await import("../config/load");
  const { resolveStackConfig } = await import("../config/resolve");
  const { PROJECT } = await import("../config/schema");
  const stackFile = readStackFile(args.projectDir, args.stack);
  // Validate first, so bad config is reported as such and never as a failure inside the program.
  const config = resolveStackConfig({ values: stackFile.values, projectDir: args.projectDir });
  const { runOffline, placementOf } = await import("./engine");
  const { buildPlan } = await import("./report");
  const { declaredFleets } = await import("./fleets");
  const run = await runOffline({
    project: PROJECT,
    stack: args.stack,
    ...placementOf(config),
    config: toPulumiConfigMap(stackFile.values),
    // The repository's program, run from the project directory as `pulumi up` runs it.
    program: async () => {
      process.chdir(args.projectDir);
      // index.ts assigns its outputs to module.exports; under ESM interop they arrive as `default`.
      const program = (await import(PROGRAM)) as { default?: Record<string, unknown> };
      return { ...(program.default ?? program) };
    },
  });
  // The review facts come from the component instance, as for any program (src/plan/fleets.ts).
  return buildPlan({ stack: args.stack, fleets: declaredFleets(run.components), resources: run.resources, secretKeys: stackFile.secretKeys });
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
    if (e instanceof ConfigError || e instanceof NoFleetError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    if (e instanceof ProgramError) {
      process.stderr.write(`${e.message}\n${e.exitCode === 2 ? `${USAGE}\n` : ""}`);
      process.exit(e.exitCode);
    }
    process.stderr.write(`offline plan failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);

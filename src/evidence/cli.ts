// `npm run evidence -- <stack> --instance ID --out DIR [...]`: collect one host's evidence into a
// dated tar.gz (src/evidence/collect.ts, docs/operations.md). Read-only cloud CLI calls only.
import * as path from "node:path";
import type { EvidenceCloud, EvidenceTarget } from "./commands";

export const USAGE = [
  "usage: npm run evidence -- <stack> --instance ID --out DIR [--zone ZONE (gcp)] [--resource-group RG (azure)] [--endpoint URL] [options]",
  "       npm run evidence -- --cloud aws --fleet NAME --region REGION --instance i-... --out DIR [--endpoint URL] [options]",
  "       npm run evidence -- --cloud gcp --fleet NAME --project PROJECT --zone ZONE --instance NAME --out DIR [--endpoint URL] [options]",
  "       npm run evidence -- --cloud azure --fleet NAME --resource-group RG [--subscription ID] --instance VM --out DIR [--endpoint URL] [options]",
  "options: --since-minutes N (logs, default 120)  --api-key-env VAR  --insecure-skip-tls-verify  --project-dir DIR",
  "--endpoint is the host's own proof server (e.g. https://10.0.1.23:6300 from a bastion): a quarantined load balancer refuses clients.",
].join("\n");

export class UsageError extends Error {}

export interface EvidenceArgs {
  readonly stack?: string;
  readonly projectDir: string;
  readonly flags: Readonly<Record<string, string>>;
  readonly insecureSkipTlsVerify: boolean;
}

const VALUED = ["cloud", "fleet", "region", "project", "zone", "resource-group", "subscription", "instance", "out", "endpoint", "since-minutes", "api-key-env", "project-dir"] as const;

export function parseArgs(argv: readonly string[], cwd = process.cwd()): EvidenceArgs {
  const flags: Record<string, string> = {};
  let stack: string | undefined;
  let insecure = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") throw new UsageError("help");
    if (a === "--insecure-skip-tls-verify") { insecure = true; continue; }
    if (a.startsWith("--")) {
      const name = a.slice(2);
      if (!(VALUED as readonly string[]).includes(name)) throw new UsageError(`unknown option ${a}`);
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${a} needs a value`);
      flags[name] = value;
      continue;
    }
    if (stack !== undefined) throw new UsageError(`unexpected argument ${a}`);
    stack = a;
  }
  if (!flags["instance"]) throw new UsageError("--instance is required: evidence is collected per host");
  if (!flags["out"]) throw new UsageError("--out DIR is required");
  if (stack === undefined && !flags["cloud"]) throw new UsageError("give a stack, or --cloud with the host's location");
  if (stack !== undefined && flags["cloud"]) throw new UsageError("give a stack or --cloud, not both");
  if (flags["since-minutes"] !== undefined && !/^[1-9]\d*$/.test(flags["since-minutes"])) throw new UsageError("--since-minutes must be a positive whole number");
  return { ...(stack !== undefined ? { stack } : {}), projectDir: path.resolve(cwd, flags["project-dir"] ?? "."), flags, insecureSkipTlsVerify: insecure };
}

function need(flags: Readonly<Record<string, string>>, name: string, why: string): string {
  const v = flags[name];
  if (!v) throw new UsageError(`--${name} is required ${why}`);
  return v;
}

/** The host's location from flags alone (--cloud form). */
export function targetFromFlags(flags: Readonly<Record<string, string>>): EvidenceTarget {
  const cloud = flags["cloud"] as EvidenceCloud;
  const instance = need(flags, "instance", "");
  const fleet = need(flags, "fleet", "(the fleet's name: the component's name, e.g. prover-prod)");
  if (cloud === "aws") return { cloud, fleet, instance, region: need(flags, "region", "for aws") };
  if (cloud === "gcp") return { cloud, fleet, instance, project: need(flags, "project", "for gcp"), zone: need(flags, "zone", "for gcp (the instance's zone)") };
  if (cloud === "azure") {
    const subscription = flags["subscription"];
    return { cloud, fleet, instance, resourceGroup: need(flags, "resource-group", "for azure"), ...(subscription ? { subscription } : {}) };
  }
  throw new UsageError(`--cloud must be aws, gcp or azure, not ${String(cloud)}`);
}

async function targetFromStack(args: EvidenceArgs & { stack: string }): Promise<EvidenceTarget> {
  // The stack's own loader and validator, as `npm run verify` uses them.
  const { readStackFile } = await import("../config/load");
  const { resolveStackConfig } = await import("../config/resolve");
  const { fleetName } = await import("../naming");
  const config = resolveStackConfig({ values: readStackFile(args.projectDir, args.stack).values, projectDir: args.projectDir });
  const fleet = fleetName(config.namePrefix, args.stack);
  const f = args.flags;
  if (config.cloud === "aws") return targetFromFlags({ ...f, cloud: "aws", fleet, region: config.aws.region });
  if (config.cloud === "gcp") return targetFromFlags({ ...f, cloud: "gcp", fleet, project: config.gcp.project });
  return targetFromFlags({ ...f, cloud: "azure", fleet, ...(config.azure.subscriptionId ? { subscription: config.azure.subscriptionId } : {}) });
}

async function main(): Promise<number> {
  let args: EvidenceArgs;
  try {
    args = parseArgs(process.argv.slice(2));
    const target = args.stack !== undefined ? await targetFromStack({ ...args, stack: args.stack }) : targetFromFlags(args.flags);
    const apiKeyEnv = args.flags["api-key-env"];
    const apiKey = apiKeyEnv ? process.env[apiKeyEnv] : undefined;
    if (apiKeyEnv && !apiKey) throw new UsageError(`--api-key-env ${apiKeyEnv}: the variable is not set`);
    const { collectEvidence } = await import("./collect");
    const endpoint = args.flags["endpoint"];
    const result = await collectEvidence({
      target,
      ...(args.stack !== undefined ? { stack: args.stack } : {}),
      ...(endpoint ? { endpoint: new URL(endpoint) } : {}),
      ...(apiKey ? { apiKey } : {}),
      insecureSkipTlsVerify: args.insecureSkipTlsVerify,
      outDir: path.resolve(args.flags["out"]!),
      ...(args.flags["since-minutes"] ? { logMinutes: Number(args.flags["since-minutes"]) } : {}),
    });
    const failed = result.manifest.commands.filter((c) => c.exitCode !== 0);
    process.stdout.write(`${result.archive}\n`);
    for (const c of failed) process.stderr.write(`warning: ${c.argv.slice(0, 3).join(" ")} exited ${c.exitCode} (${c.permission}): ${c.stderr.split("\n")[0] ?? ""}\n`);
    if (!result.manifest.attestation.collected) process.stderr.write(`warning: attestation not collected: ${result.manifest.attestation.reason}\n`);
    else process.stderr.write(`verify it with: ${result.manifest.attestation.verify} (after extracting the archive)\n`);
    // 3: an archive was written but part of the evidence is missing.
    return failed.length > 0 || !result.manifest.attestation.collected ? 3 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(e.message === "help" ? `${USAGE}\n` : `${e.message}\n${USAGE}\n`);
      return 2;
    }
    const { ConfigError } = await import("../config/errors");
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`evidence failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

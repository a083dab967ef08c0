import type { EnforcementLevel, Policies, PolicyPackConfig, PolicyPackArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { reconcilePolicyConfig, type EffectivePolicyConfig, type PolicyConfigEntry } from "./config";
import { runResourcePolicy, runStackPolicy, type OfflineResource } from "./evaluate";

// Runs a whole pack over the recorded resources the way the analyzer does (@pulumi/policy
// server.js makeAnalyzeRpcFun / makeAnalyzeStackRpcFun): per policy, the effective level from the
// engine's config; `disabled` skipped; a `remediate` policy that still reports counts as mandatory
// (the offline runner applies no remediation, so every remediate policy's violations are mandatory);
// resource policies on every resource, stack policies once over all of them.

/** A pack as index.ts constructs it, shared so the runner never builds a `PolicyPack`. */
export interface PackDefinition {
  readonly name: string;
  readonly args: PolicyPackArgs;
  readonly initialConfig?: PolicyPackConfig;
}

export interface Violation {
  readonly policy: string;
  readonly level: "advisory" | "mandatory";
  readonly severity?: string;
  readonly message: string;
  /** The resource reported on (stack policies may name one; absent when they do not). */
  readonly urn?: string;
}

export interface PolicyResult {
  readonly name: string;
  readonly description: string;
  /** The effective level after config; "remediate" is reported here as configured. */
  readonly level: EnforcementLevel;
  readonly kind: "resource" | "stack";
  /** Resources the policy judged (resource policies) or 1 (a stack policy that ran). */
  readonly evaluated: number;
  /** Resources (or the stack) the policy declared itself not applicable to. */
  readonly notApplicable: number;
  readonly violations: Violation[];
  readonly remediationSteps?: string;
}

export interface PackVerdict {
  readonly pack: string;
  readonly policies: PolicyResult[];
  readonly mandatory: number;
  readonly advisory: number;
}

/** A rule threw (not a violation, not notApplicable): the analyzer fails the preview the same way. */
export class PolicyRunError extends Error {
  constructor(pack: string, policy: string, urn: string | undefined, cause: unknown) {
    super(`policy '${policy}' from pack '${pack}' failed${urn ? ` on ${urn}` : " on the stack"}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "PolicyRunError";
  }
}

/** Runs one call of a rule, naming the rule and the resource if it throws. */
async function guarded<T>(pack: string, policy: string, urn: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw new PolicyRunError(pack, policy, urn, e);
  }
}

function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

/** Each policy's effective config, as the engine reconciles it. */
export function packConfig(pack: PackDefinition, file: Record<string, PolicyConfigEntry> = {}): Map<string, EffectivePolicyConfig> {
  const policies: Policies = pack.args.policies;
  return reconcilePolicyConfig(
    policies.map((p) => ({ name: p.name, ...(p.enforcementLevel ? { enforcementLevel: p.enforcementLevel } : {}), ...(p.configSchema ? { configSchema: p.configSchema } : {}) })),
    pack.args.enforcementLevel,
    pack.initialConfig,
    file,
  );
}

export async function runPack(pack: PackDefinition, resources: readonly OfflineResource[], options: { config?: Record<string, PolicyConfigEntry>; stackTags?: ReadonlyMap<string, string> } = {}): Promise<PackVerdict> {
  const config = packConfig(pack, options.config ?? {});
  const stackTags = options.stackTags ?? new Map<string, string>();
  const results: PolicyResult[] = [];
  for (const policy of pack.args.policies) {
    const { enforcementLevel: level, properties } = config.get(policy.name)!;
    if (level === "disabled") {
      results.push({ name: policy.name, description: policy.description, level, kind: isStackPolicy(policy) ? "stack" : "resource", evaluated: 0, notApplicable: 0, violations: [], ...(policy.remediationSteps ? { remediationSteps: policy.remediationSteps } : {}) });
      continue;
    }
    const reported: "advisory" | "mandatory" = level === "advisory" ? "advisory" : "mandatory";
    const violations: Violation[] = [];
    let evaluated = 0;
    let notApplicable = 0;
    const record = (message: string, urn: string | undefined) => violations.push({ policy: policy.name, level: reported, ...(policy.severity ? { severity: policy.severity } : {}), message, ...(urn ? { urn } : {}) });
    if (isStackPolicy(policy)) {
      const outcome = await guarded(pack.name, policy.name, undefined, () => runStackPolicy(policy, resources, properties, stackTags));
      if (outcome.kind === "notApplicable") notApplicable++;
      else {
        evaluated++;
        for (const v of outcome.violations) record(v.message, v.urn);
      }
    } else if (policy.validateResource === undefined) {
      // A remediation-only policy: the analyzer reports it not applicable on every resource.
      notApplicable += resources.length;
    } else {
      for (const resource of resources) {
        const outcome = await guarded(pack.name, policy.name, resource.urn, () => runResourcePolicy(policy, resource, properties, stackTags));
        if (outcome.kind === "notApplicable") notApplicable++;
        else {
          evaluated++;
          // A resource policy's violation is about the resource unless it names another.
          for (const v of outcome.violations) record(v.message, v.urn ?? resource.urn);
        }
      }
    }
    results.push({ name: policy.name, description: policy.description, level, kind: isStackPolicy(policy) ? "stack" : "resource", evaluated, notApplicable, violations, ...(policy.remediationSteps ? { remediationSteps: policy.remediationSteps } : {}) });
  }
  const all = results.flatMap((r) => r.violations);
  return { pack: pack.name, policies: results, mandatory: all.filter((v) => v.level === "mandatory").length, advisory: all.filter((v) => v.level === "advisory").length };
}

/** Where the offline view differs from what a real preview hands the packs; printed with every verdict. */
export const OFFLINE_POLICY_NOTES: readonly string[] = [
  "Resources are judged on their inputs as the program declared them: no provider ran Check, so provider defaults and auto-names are not applied (a real preview shows the policies the inputs after Check).",
  "Values a first preview does not know yet (ids, ARNs, other resources' outputs) are placeholders from the mock runtime here; a real preview marks them unknown, and a policy that reads one reports an advisory \"can't run during preview\".",
  "Secret config values are seen as the string [secret], never decrypted; a real preview hands the policies the decrypted value.",
  "Stack policies see each resource's parent and its dependsOn resources; dependencies through input values (propertyDependencies) and the default providers are not recorded offline.",
];

/** A verdict over several packs: what the plan prints and what `--json` carries under `policy`. */
export interface PolicyVerdict {
  readonly evaluated: true;
  readonly packs: PackVerdict[];
  readonly mandatory: number;
  readonly advisory: number;
  readonly notes: readonly string[];
}

/** The plan's `policy` section: the verdict, or why the packs did not run. */
export type PlanPolicy = { readonly evaluated: false; readonly note: string } | (PolicyVerdict & { readonly unknownConfigNames: readonly string[] });

export function combineVerdicts(packs: PackVerdict[]): PolicyVerdict {
  return { evaluated: true, packs, mandatory: packs.reduce((n, p) => n + p.mandatory, 0), advisory: packs.reduce((n, p) => n + p.advisory, 0), notes: OFFLINE_POLICY_NOTES };
}

/** A resource's `type::name` from its URN, for reading; the URN itself is in --json. */
function shortName(urn: string | undefined): string {
  if (!urn) return "the stack";
  const parts = urn.split("::");
  const type = parts[2]?.split("$").pop() ?? "";
  return `${type}  ${parts[3] ?? ""}`;
}

export function renderVerdict(verdict: PolicyVerdict & { readonly unknownConfigNames?: readonly string[] }): string {
  const lines: string[] = ["", "Policy packs (offline):"];
  // The engine ignores config for a policy no pack has: a misspelt name would silently change nothing.
  if (verdict.unknownConfigNames?.length) lines.push(`  WARNING: the policy pack config names policies no pack has (ignored, as the CLI ignores them): ${verdict.unknownConfigNames.join(", ")}`);
  for (const pack of verdict.packs) {
    const ran = pack.policies.filter((p) => p.level !== "disabled");
    lines.push(`  ${pack.pack}: ${ran.length} policies ran, ${pack.policies.length - ran.length} disabled; ${pack.mandatory} mandatory, ${pack.advisory} advisory violations`);
    for (const p of pack.policies) {
      if (p.level === "disabled") {
        lines.push(`    - ${p.name}: disabled`);
        continue;
      }
      const status = p.violations.length === 0 ? "ok" : `${p.violations.length} violation${p.violations.length === 1 ? "" : "s"}`;
      lines.push(`    ${p.violations.length === 0 ? "✓" : "✗"} ${p.name} [${p.level}]: ${status} (${p.evaluated} judged, ${p.notApplicable} not applicable)`);
      for (const v of p.violations) lines.push(`        [${v.level}] ${shortName(v.urn)}: ${v.message}`);
      if (p.violations.length > 0 && p.remediationSteps) lines.push(`        fix: ${p.remediationSteps}`);
    }
  }
  lines.push(`  Verdict: ${verdict.mandatory === 0 ? "PASS" : "REFUSED"} (${verdict.mandatory} mandatory, ${verdict.advisory} advisory violations).`);
  lines.push("  Offline, not a preview:");
  for (const note of verdict.notes) lines.push(`    - ${note}`);
  return `${lines.join("\n")}\n`;
}

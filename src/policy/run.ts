import type { EnforcementLevel, Policies, PolicyPackConfig, PolicyPackArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { reconcilePolicyConfig, type EffectivePolicyConfig, type PolicyConfigEntry } from "./config";
import { runResourcePolicy, runStackPolicy, type OfflineResource } from "./evaluate";
import type { PackVerdict, PolicyLevel, PolicyResult, Violation } from "./verdict";

// The verdict spells out @pulumi/policy's EnforcementLevel as PolicyLevel; this fails to compile if they drift.
type Holds<T extends true> = T;
export type PolicyLevelIsEnforcementLevel = Holds<[EnforcementLevel] extends [PolicyLevel] ? ([PolicyLevel] extends [EnforcementLevel] ? true : false) : false>;

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

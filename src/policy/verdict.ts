// The offline verdict of the policy packs, as the plan carries and prints it: plain data with no
// dependency on @pulumi/policy (a devDependency), because the plan's types ship in the package's
// declarations (src/plan/report.ts) and the runner (./run.ts) does not.

/** A policy's enforcement level, as @pulumi/policy's EnforcementLevel (./run.ts fails to compile if they drift). */
export type PolicyLevel = "advisory" | "mandatory" | "remediate" | "disabled";

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
  readonly level: PolicyLevel;
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

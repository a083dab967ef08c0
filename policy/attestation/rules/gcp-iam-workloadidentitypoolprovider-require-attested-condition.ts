import { GcpIamWorkloadIdentityPoolProvider as WorkloadIdentityPoolProvider } from "../../common/resource-types";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { CONFIDENTIAL_SPACE_ISSUER, HWMODELS, acceptedImageDigestsSchema, productionClaims, type TokenFacts } from "../../common/attestation-gcp";

// Why: the provider's attribute condition is the only check between a Confidential Space token and
// the workload's secrets: a token from a debug image, another image, an unsupported image or a
// VM whose operator overrode the command or environment must not be exchanged
// (https://cloud.google.com/confidential-computing/confidential-space/docs/create-grant-access-confidential-resources).
export const gcpIamWorkloadIdentityPoolProviderRequireAttestedCondition: ResourceValidationPolicy = {
  name: "gcp-iam-workloadidentitypoolprovider-require-attested-condition",
  description:
    "A Workload Identity provider trusting Confidential Space tokens has an attribute condition that, evaluated with CEL, admits the production token of a pinned image and refuses tokens differing only in swname, dbgstat, STABLE support, image digest, command override or environment override.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set attributeCondition to require assertion.swname == "CONFIDENTIAL_SPACE", assertion.dbgstat == "disabled-since-boot", "STABLE" in assertion.submods.confidential_space.support_attributes, assertion.submods.container.image_digest in ["sha256:<pinned>"], and no cmd_override / env_override (size(...) == 0); list the digests in `acceptedImageDigests`.',
  configSchema: { properties: { acceptedImageDigests: acceptedImageDigestsSchema } },
  validateResource: validateResourceOfType(WorkloadIdentityPoolProvider, async (provider, args, report) => {
    if (typeof provider.oidc?.issuerUri !== "string" || !CONFIDENTIAL_SPACE_ISSUER.test(provider.oidc.issuerUri)) args.notApplicable("not a Confidential Space (confidentialcomputing.googleapis.com) provider");
    const accepted = args.getConfig<{ acceptedImageDigests?: string[] }>().acceptedImageDigests ?? [];
    const condition = provider.attributeCondition;
    if (typeof condition !== "string" || condition.trim() === "") {
      report("Confidential Space provider has no attributeCondition: every Confidential Space VM, debug images and every container included, can obtain the pool's identities");
      return;
    }
    // Loaded when there is a condition to evaluate: a stack without one (every AWS and Azure plan)
    // need not load the evaluator (~40 ms of a plan).
    const cel: Cel = await import("@marcbachmann/cel-js");
    try {
      cel.parse(condition);
    } catch (e) {
      report(`attributeCondition does not parse as CEL: ${(e as Error).message.split("\n")[0]}`);
      return;
    }
    for (const message of judge(cel, condition, provider.project, accepted)) report(message);
  }),
};

type Cel = Pick<typeof import("@marcbachmann/cel-js"), "evaluate" | "parse">;

/** Does Google exchange a token with these claims? An evaluation error refuses it. */
function admits(cel: Cel, condition: string, claims: Record<string, unknown>): boolean {
  try {
    return cel.evaluate(condition, { assertion: claims }) === true;
  } catch {
    return false;
  }
}

const literal = (condition: string, claim: string): string | undefined => new RegExp(`${claim.replace(/\./g, "\\.")}\\s*==\\s*"([^"]*)"`).exec(condition)?.[1];

function judge(cel: Cel, condition: string, project: string | undefined, accepted: readonly string[]): string[] {
  // The probe token is filled from the condition's own literals (project, service account,
  // digests), so the only question the evaluation answers is the one each probe changes.
  const named = [...condition.matchAll(/sha256:[0-9a-f]{64}/g)].map((m) => m[0]);
  const digests = [...new Set([...accepted, ...named])];
  const projectId = literal(condition, "assertion.submods.gce.project_id") ?? project ?? "example-project";
  const base: Omit<TokenFacts, "digest" | "hwmodel"> = {
    projectId,
    projectNumber: literal(condition, "assertion.submods.gce.project_number") ?? "123456789012",
    serviceAccount: /[a-z0-9._-]+@[a-z0-9.-]+\.iam\.gserviceaccount\.com/.exec(condition)?.[0] ?? `workload@${projectId}.iam.gserviceaccount.com`,
  };
  const messages: string[] = [];
  const probeDigest = "sha256:" + "e3".repeat(32);
  const passing: TokenFacts[] = [];
  for (const digest of digests.length > 0 ? digests : [probeDigest]) {
    const facts = HWMODELS.map((hwmodel) => ({ ...base, digest, hwmodel })).find((f) => admits(cel, condition, productionClaims(f)));
    if (facts !== undefined) passing.push(facts);
    else if (accepted.includes(digest)) messages.push(`attributeCondition refuses the production token of accepted image ${digest}`);
  }
  if (passing.length === 0) {
    if (messages.length === 0) messages.push("attributeCondition refuses every production Confidential Space token it was given (pinned digests, this project, its service account): no attested workload could authenticate");
    return messages;
  }
  for (const f of passing) if (accepted.length > 0 && !accepted.includes(f.digest)) messages.push(`attributeCondition admits image ${f.digest}, which is not an accepted digest`);

  const facts = passing[0]!;
  const other = "sha256:" + "5a".repeat(32);
  type Claims = Record<string, unknown> & { submods: Record<string, Record<string, unknown>> };
  const probes: Array<[string, string, (c: Claims) => void]> = [
    ['swname "GCE" (not Confidential Space)', 'assertion.swname == "CONFIDENTIAL_SPACE"', (c) => (c["swname"] = "GCE")],
    ['dbgstat "enabled" (the debug image)', 'assertion.dbgstat == "disabled-since-boot"', (c) => (c["dbgstat"] = "enabled")],
    ["support_attributes without STABLE", '"STABLE" in assertion.submods.confidential_space.support_attributes', (c) => (c.submods["confidential_space"]!["support_attributes"] = ["LATEST", "USABLE"])],
    [
      `image_digest ${other}`,
      "assertion.submods.container.image_digest in [<pinned digests>]",
      (c) => {
        c.submods["container"]!["image_digest"] = other;
        c.submods["container"]!["image_reference"] = `docker.io/attacker/image@${other}`;
      },
    ],
    ["a cmd_override", "size(assertion.submods.container.cmd_override) == 0", (c) => (c.submods["container"]!["cmd_override"] = ["/bin/sh", "-c", "cat /proc/self/environ"])],
    ["an env_override", "size(assertion.submods.container.env_override) == 0 (or exactly the allowed overrides)", (c) => (c.submods["container"]!["env_override"] = { LD_PRELOAD: "/tmp/x.so" })],
  ];
  for (const [what, need, change] of probes) {
    const claims = structuredClone(productionClaims(facts)) as Claims;
    change(claims);
    if (admits(cel, condition, claims)) messages.push(`attributeCondition admits a token that differs only in ${what}: require ${need}`);
  }
  return messages;
}

/**
 * The attestation pack as a whole: rule conventions (issue 16) and the shipped dev stacks'
 * resources (test/policy/fixtures/attestation-dev-resources.json) passing every rule under the
 * schema defaults, as the engine applies them when no config file is given.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { attestationPolicies } from "../../../policy/attestation/policies";
import { runResourcePolicy } from "../../../src/policy/evaluate";
import { devResources } from "./fixtures";

const resourcePolicies = attestationPolicies as ResourceValidationPolicy[];

/** The config the engine hands a policy with no config file: its schema's defaults. */
function defaults(policy: ResourceValidationPolicy): Record<string, unknown> {
  return Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).flatMap(([k, v]) => ("default" in v ? [[k, v.default]] : [])));
}

describe("attestation pack", () => {
  it("every rule follows the conventions: name = file, cloud prefix, description, severity, remediation, defaults", () => {
    expect(resourcePolicies.map((p) => p.name)).toEqual([
      "aws-kms-key-require-attested-decrypt",
      "aws-kms-key-report-warn-only-pcrs",
      "aws-ec2-launchtemplate-disallow-debug-enclave",
      "gcp-compute-instancetemplate-require-production-confidential-space",
      "gcp-iam-workloadidentitypoolprovider-require-attested-condition",
      "azure-keyvault-key-require-attested-release",
    ]);
    for (const p of resourcePolicies) {
      expect(existsSync(join(__dirname, "../../../policy/attestation/rules", `${p.name}.ts`))).toBe(true);
      expect(p.name).toMatch(/^(aws|gcp|azure)-[a-z0-9]+(-[a-z0-9]+)*-(require|disallow|enforce|report)-[a-z0-9-]+$/);
      expect(p.description.length).toBeGreaterThan(40);
      expect(p.severity).toMatch(/^(medium|high|critical)$/);
      expect(p.remediationSteps?.length ?? 0).toBeGreaterThan(40);
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) expect({ key, hasDefault: "default" in schema }).toEqual({ key, hasDefault: true });
    }
    expect(resourcePolicies.filter((p) => p.enforcementLevel !== "mandatory").map((p) => [p.name, p.enforcementLevel])).toEqual([["aws-kms-key-report-warn-only-pcrs", "advisory"]]);
  });

  it("the dev and dev-gcp stacks' resources pass every rule with default config, each judged by the rule meant for it", async () => {
    const verdicts: string[] = [];
    const judged: string[] = [];
    for (const resource of devResources) {
      for (const policy of resourcePolicies) {
        const outcome = await runResourcePolicy(policy, resource, defaults(policy));
        if (outcome.kind !== "violations") continue;
        judged.push(`${resource.type} ${policy.name}`);
        verdicts.push(...outcome.violations.map((v) => `${policy.name} ${resource.name}: ${v.message}`));
      }
    }
    expect(verdicts).toEqual([]);
    // Not vacuous: every recorded resource was judged (not skipped as notApplicable).
    expect(judged).toEqual([
      "aws:kms/key:Key aws-kms-key-require-attested-decrypt",
      "aws:ec2/launchTemplate:LaunchTemplate aws-ec2-launchtemplate-disallow-debug-enclave",
      "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider gcp-iam-workloadidentitypoolprovider-require-attested-condition",
      "gcp:compute/instanceTemplate:InstanceTemplate gcp-compute-instancetemplate-require-production-confidential-space",
    ]);
  });
});

import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { GcpComputeInstance as Instance, GcpComputeInstanceTemplate as InstanceTemplate, GcpComputeRegionInstanceTemplate as RegionInstanceTemplate } from "../../common/resource-types";
import { secretInEnvEntry, secretsIn } from "../../common/baseline-secrets";
import { forTypes, rec, str, type Props } from "../../common/baseline-props";

// Why (mandatory): instance metadata (user-data, startup scripts, Confidential Space tee-env-*
// variables) is readable with compute.viewer and from the VM's metadata server, lands in Pulumi
// state and, for tee-env-*, in the attestation token
// (https://cloud.google.com/compute/docs/metadata/overview); secrets belong in Secret Manager
// behind the attestation-gated Workload Identity.

function check(props: Props, report: ReportViolation): void {
  const entries: [string, string][] = Object.entries(rec(props["metadata"]) ?? {}).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : []));
  const script = str(props["metadataStartupScript"]);
  if (script !== undefined) entries.push(["metadataStartupScript", script]);
  for (const [key, value] of entries) {
    const reasons = key.startsWith("tee-env-") ? [secretInEnvEntry(key, value)].filter((r): r is string => r !== undefined) : secretsIn(value);
    for (const why of reasons) report(`metadata ${key} holds a secret (${why}); read it at run time from Secret Manager instead`);
  }
}

export const gcpComputeInstanceTemplateDisallowSecretsInMetadata: ResourceValidationPolicy = {
  name: "gcp-compute-instancetemplate-disallow-secrets-in-metadata",
  description: "Instance template and instance metadata (user-data, startup scripts, tee-env-* variables) holds no secrets.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: "Remove the secret from metadata; store it in Secret Manager, readable only by the attested workload's identity.",
  validateResource: forTypes([
    [InstanceTemplate, (props, _args, report) => check(props, report)],
    [RegionInstanceTemplate, (props, _args, report) => check(props, report)],
    [Instance, (props, _args, report) => check(props, report)],
  ]),
};

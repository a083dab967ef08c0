import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { GcpComputeInstance as Instance, GcpComputeInstanceTemplate as InstanceTemplate, GcpComputeRegionInstanceTemplate as RegionInstanceTemplate } from "../../common/resource-types";
import { configOf, forTypes, rec, recs, str, type Props } from "../../common/baseline-props";

// Why (advisory): Compute Engine encrypts every disk at rest with Google-managed keys
// (https://cloud.google.com/docs/security/encryption/default-encryption), so the baseline only
// asks for customer-managed keys (CMEK) when a team's compliance does: requireCmek is off by
// default and the rule is advisory until a team raises it.

/** Each disk with its CMEK self link: templates' disks[].diskEncryptionKey, instances' bootDisk.kmsKeySelfLink. */
function disks(props: Props): { label: string; kmsKey: string | undefined }[] {
  const templateDisks = recs(props["disks"]).map((d) => ({ label: str(d["deviceName"]) ?? (d["boot"] === true ? "boot disk" : "disk"), kmsKey: str(rec(d["diskEncryptionKey"])?.["kmsKeySelfLink"]) }));
  const boot = rec(props["bootDisk"]);
  return boot ? [...templateDisks, { label: "boot disk", kmsKey: str(boot["kmsKeySelfLink"]) }] : templateDisks;
}

function check(props: Props, requireCmek: boolean, report: ReportViolation): void {
  if (!requireCmek) return;
  for (const d of disks(props)) if (d.kmsKey === undefined) report(`${d.label} is encrypted with a Google-managed key; requireCmek asks for a Cloud KMS key (diskEncryptionKey.kmsKeySelfLink)`);
}

export const gcpComputeInstanceTemplateRequireDiskCmek: ResourceValidationPolicy = {
  name: "gcp-compute-instancetemplate-require-disk-cmek",
  description: "When requireCmek is set, instance template and instance disks are encrypted with a customer-managed Cloud KMS key.",
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps: "Set diskEncryptionKey { kmsKeySelfLink } on every disk (grant the Compute Engine service agent roles/cloudkms.cryptoKeyEncrypterDecrypter on the key).",
  configSchema: { properties: { requireCmek: { type: "boolean", default: false, description: "Require customer-managed encryption keys on disks." } } },
  validateResource: forTypes([
    [InstanceTemplate, (props, args, report) => check(props, configOf(args, { requireCmek: false }).requireCmek, report)],
    [RegionInstanceTemplate, (props, args, report) => check(props, configOf(args, { requireCmek: false }).requireCmek, report)],
    [Instance, (props, args, report) => check(props, configOf(args, { requireCmek: false }).requireCmek, report)],
  ]),
};

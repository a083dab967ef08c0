import { AwsKmsKey as Key } from "../../common/resource-types";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { SimulationRefused, allowed, parseKeyPolicy, policyAccount } from "../../common/attestation-kms";
import { attestedGrants, exemptTag, kmsAttestationConfigSchema, readKmsConfig, withOtherPcr, type KmsAttestationConfig } from "../../common/attestation-kms-judge";

// Why: a warnOnly PCR is a deliberate gap (e.g. during a rotation); reviewers must see it on every
// preview, but it must not block the deployment. A policy has one enforcement level, so this half
// of the PCR check is a separate, advisory rule; aws-kms-key-require-attested-decrypt is the
// mandatory half and skips the warnOnly PCRs.
export const awsKmsKeyReportWarnOnlyPcrs: ResourceValidationPolicy = {
  name: "aws-kms-key-report-warn-only-pcrs",
  description: "Reports each warnOnly PCR that a KMS key's attested decrypt does not enforce: an enclave differing there can still decrypt.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps: "Pin the PCR with StringEqualsIgnoreCase in the key policy's decrypt statement and remove it from `warnOnlyPcrs`, once the release's value is known.",
  configSchema: kmsAttestationConfigSchema,
  validateResource: validateResourceOfType(Key, async (key, args, report) => {
    const config = readKmsConfig(args.getConfig<Partial<KmsAttestationConfig>>());
    if (config.warnOnlyPcrs.length === 0) args.notApplicable("no warnOnly PCRs configured");
    const exempt = exemptTag(key.tags, config.exemptKeyTags);
    if (exempt !== undefined) args.notApplicable(`exempt by tag ${exempt}`);
    const parsed = parseKeyPolicy(key.policy);
    // A missing or broken policy is the mandatory rule's finding.
    if (key.policy === undefined || !parsed.ok) args.notApplicable("no readable key policy");
    if (!parsed.ok) return;
    try {
      const account = policyAccount(parsed.statements);
      const grants = (await attestedGrants(parsed.document, account, parsed.statements)).filter((g) => g.action === "kms:Decrypt");
      const reported = new Set<string>();
      for (const g of grants) {
        for (const index of config.warnOnlyPcrs) {
          const message = `key policy does not enforce warn-only PCR${index} for kms:Decrypt by ${g.principal}: an enclave with another PCR${index} can decrypt`;
          if (!reported.has(message) && (await allowed(parsed.document, account, g.principal, g.action, withOtherPcr(g.context, index)))) {
            reported.add(message);
            report(message);
          }
        }
      }
    } catch (e) {
      if (!(e instanceof SimulationRefused)) throw e;
      args.notApplicable("the IAM simulator refuses the key policy");
    }
  }),
};

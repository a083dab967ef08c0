/**
 * The attestation pack's rules. index.ts hands this array to `new PolicyPack`.
 * All mandatory except aws-kms-key-report-warn-only-pcrs: a policy has one enforcement level, so
 * the warnOnly PCRs are reported by that separate advisory rule.
 */
import type { Policies } from "@pulumi/policy";
import { awsEc2LaunchTemplateDisallowDebugEnclave } from "./rules/aws-ec2-launchtemplate-disallow-debug-enclave";
import { awsKmsKeyReportWarnOnlyPcrs } from "./rules/aws-kms-key-report-warn-only-pcrs";
import { awsKmsKeyRequireAttestedDecrypt } from "./rules/aws-kms-key-require-attested-decrypt";
import { azureKeyvaultKeyRequireAttestedRelease } from "./rules/azure-keyvault-key-require-attested-release";
import { gcpComputeInstanceTemplateRequireProductionConfidentialSpace } from "./rules/gcp-compute-instancetemplate-require-production-confidential-space";
import { gcpIamWorkloadIdentityPoolProviderRequireAttestedCondition } from "./rules/gcp-iam-workloadidentitypoolprovider-require-attested-condition";

export const attestationPolicies: Policies = [
  awsKmsKeyRequireAttestedDecrypt,
  awsKmsKeyReportWarnOnlyPcrs,
  awsEc2LaunchTemplateDisallowDebugEnclave,
  gcpComputeInstanceTemplateRequireProductionConfidentialSpace,
  gcpIamWorkloadIdentityPoolProviderRequireAttestedCondition,
  azureKeyvaultKeyRequireAttestedRelease,
];

/** The attestation pack's rules (issue 16, pack 1). index.ts hands this array to `new PolicyPack`. */
import type { Policies } from "@pulumi/policy";
import { awsEc2LaunchTemplateDisallowDebugEnclave } from "./rules/aws-ec2-launch-template-disallow-debug-enclave";
import { gcpComputeInstanceTemplateRequireProductionConfidentialSpace } from "./rules/gcp-compute-instance-template-require-production-confidential-space";
import { gcpIamWorkloadIdentityPoolProviderRequireAttestedCondition } from "./rules/gcp-iam-workload-identity-pool-provider-require-attested-condition";
import { awsKmsKeyReportWarnOnlyPcrs } from "./rules/aws-kms-key-report-warn-only-pcrs";
import { awsKmsKeyRequireAttestedDecrypt } from "./rules/aws-kms-key-require-attested-decrypt";

export const attestationPolicies: Policies = [awsKmsKeyRequireAttestedDecrypt, awsKmsKeyReportWarnOnlyPcrs, awsEc2LaunchTemplateDisallowDebugEnclave, gcpComputeInstanceTemplateRequireProductionConfidentialSpace, gcpIamWorkloadIdentityPoolProviderRequireAttestedCondition];

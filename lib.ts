// The library entry (`import { NitroProofServer } from "tee-prover-infra"`). Importing it declares
// no resources; the Pulumi program of this repository is index.ts.
export { NitroProofServer, type NitroProofServerArgs, type NitroReviewFacts, ENCLAVE_CID, KMS_PROXY_VSOCK_PORT } from "./components/aws/nitroProofServer";
export { ConfidentialSpaceProofServer, type ConfidentialSpaceProofServerArgs, type ConfidentialSpaceReviewFacts } from "./components/gcp/confidentialSpaceProofServer";
export type { NitroAwsArgs, NitroReleaseArgs, NitroVpcCreateArgs, NitroVpcExistingArgs } from "./components/aws/args";
export { AzureConfidentialProofServer, AZURE_ATTESTATION_SCOPE, type AzureReviewFacts } from "./components/azure/confidentialProofServer";
export type { AzureConfidentialArgs, AzureConfidentialProofServerArgs, AzureContainerReleaseArgs, AzureNetworkCreateArgs, AzureNetworkExistingArgs } from "./components/azure/args";
export type { ConfidentialSpaceGcpArgs, ConfidentialSpaceNetworkCreateArgs, ConfidentialSpaceNetworkExistingArgs, ContainerReleaseArgs } from "./components/gcp/args";
export type { AlarmArgs, BudgetArgs, EnvironmentArg, IngressArgs, ProofServerArgs, QuarantineArgs, SharedProofServerArgs, SubscriptionArgs } from "./src/config/args-shared";
export { resolveAzureArgs, resolveConfidentialSpaceArgs, resolveNitroArgs } from "./src/config/args";
export { knownReleases, type KnownRelease, type KnownReleaseVersion } from "./src/releases/known";
export { resolveStackConfig, type ConfigSource } from "./src/config/resolve";
export { ConfigError, type ConfigProblem, type FrontDoor } from "./src/config/errors";
export { stackConfigSchema, PROJECT } from "./src/config/schema";
export type * from "./src/config/types";
export { buildNitroKmsKeyPolicy, type KmsPolicyDocument } from "./src/attestation/aws-kms-policy";
export { nitroManifestSchema, type NitroManifest } from "./src/attestation/manifest";
export type { NitroReleasePins, PcrPin } from "./src/attestation/pins";
export { renderNitroCloudInit } from "./src/bootstrap/nitro";
export { buildConfidentialSpaceAttributeCondition, confidentialSpaceAttributeMapping, type ConfidentialSpacePins } from "./src/attestation/gcp-workload-identity";
export { plaintextExposure, PROOF_SERVER_PORT, HEALTH_PATH, type IngressMode, type IngressSettings } from "./src/ingress/model";
export { ALARM_CATALOGUE, type AlarmSpec, type Severity } from "./src/monitoring/catalogue";
export { planProgram } from "./src/plan/program";
export { ProgramError } from "./src/plan/project";
export { NoFleetError } from "./src/plan/fleets";
export type { Plan, FleetPlan, SingleFleetPlan } from "./src/plan/report";

import type * as pulumi from "@pulumi/pulumi";
import type { NitroManifest } from "../attestation/manifest";
import type { NitroReleasePins } from "../attestation/pins";
import type { IngressSettings } from "../ingress/model";
import type { Severity } from "../monitoring/catalogue";
import type { InstanceShape } from "../sizing";
import type { QuarantineSettings } from "../quarantine";

/** Validated, resolved configuration: what stacks and components receive. */

export type Environment = "dev" | "staging" | "prod";

/** Subscribers of one severity; a library caller may pass Outputs (e.g. a webhook URL from another stack). */
export interface AlarmSubscriptions {
  readonly emails: readonly pulumi.Input<string>[];
  readonly httpsEndpoints: readonly pulumi.Input<string>[];
}

export interface ProofServerSettings {
  /** Which upstream build runs: the TEE build (TLS, API keys) or the reference build (plain HTTP). */
  readonly build: "tee" | "reference";
  readonly port: number;
  readonly jobTimeoutSeconds: number;
  /** `MIDNIGHT_PROOF_SERVER_*` settings; GCP passes them as `tee-env-*`, Azure as the container's environment (AWS: always empty). */
  readonly env: Readonly<Record<string, string>>;
}

/** One pinned Nitro release: its manifest, its EIF and the pins derived from them. */
export interface NitroRelease {
  readonly version: string;
  readonly manifestPath: string;
  readonly manifest: NitroManifest;
  readonly pins: NitroReleasePins;
  readonly eifS3Uri: string;
  readonly eifServesTls: boolean;
}

export type AwsVpcSettings =
  | { readonly mode: "create"; readonly cidrBlock: string; readonly availabilityZoneCount: number; readonly natGateways: "single" | "perAz" }
  | { readonly mode: "existing"; readonly vpcId: pulumi.Input<string>; readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>; readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]> };

export interface AwsSettings {
  readonly region: string;
  readonly vpc: AwsVpcSettings;
  readonly instanceType: string;
  readonly instanceShape: InstanceShape;
  readonly amiId: string;
  readonly enclave: { readonly cpuCount: number; readonly memoryMiB: number };
  readonly fleet: { readonly minSize: number; readonly maxSize: number; readonly desiredCapacity: number };
  readonly certificateArn?: pulumi.Input<string>;
  readonly tlsPolicy: string;
  readonly keyAdministratorArns: pulumi.Input<pulumi.Input<string>[]>;
  readonly kmsDeletionWindowDays: number;
  /** PCR3 (the parent's IAM role) in the KMS condition, or why not. */
  readonly parentRolePin: { readonly pinned: true } | { readonly pinned: false; readonly reason: string };
  /** Session Manager shells on the hosts (logged to the fleet's log group); off by default in prod. */
  readonly interactiveAccess: boolean;
}

/** What every cloud's validated stack carries. */
export interface SharedStackConfig {
  /** dev, staging or prod; no default. prod protects keys and secrets, the load balancer, and retains logs. */
  readonly environment: Environment;
  /** Prefix of the fleet name (default "prover"); the stack name follows it. */
  readonly namePrefix: string;
  /** The prefix before a rename, when the stack is being renamed (the fleet keeps its resources through an alias). */
  readonly previousNamePrefix?: string;
  /** Build, job timeout (default 600 s; it sizes every request-path timeout) and environment (GCP only) of the proof server. */
  readonly proofServer: ProofServerSettings;
  /** Ingress mode, listener, timeouts (default job + 60 s) and plaintext-hop acceptance; no default mode: the choice must be explicit. */
  readonly ingress: IngressSettings;
  /** Subscriptions per severity (default none: topics / policies without subscribers). */
  readonly alarms: Readonly<Record<Severity, AlarmSubscriptions>>;
  /** Tags (AWS) or labels (GCP) on every child that takes them (default none). */
  readonly tags: Readonly<Record<string, string>>;
  /** Present while the fleet is quarantined (front door closed, no automatic replacement); see src/quarantine.ts. */
  readonly quarantine?: QuarantineSettings;
  /** The monthly cost budget (docs/budgets.md); none by default, required in prod. */
  readonly budget?: BudgetSettings;
}

/** A stack's monthly cost budget, validated (docs/budgets.md). */
export interface BudgetSettings {
  /** Expected monthly cost in `currency`. */
  readonly monthlyAmount: number;
  /** ISO 4217 code (default USD). */
  readonly currency: string;
  /** GCP: the billing account that pays for the project (required there, refused elsewhere). */
  readonly billingAccount?: string;
}

/** A validated AWS stack; also the arguments of NitroProofServer (everything but cloud and namePrefix). */
export interface AwsStackConfig extends SharedStackConfig {
  readonly cloud: "aws";
  /** All accepted releases (two during a rotation); the last one is what new hosts boot. */
  readonly releases: readonly NitroRelease[];
  /** Host log retention in days (default per environment: 14 / 90 / 365). */
  readonly logRetentionDays: number;
  /** AWS placement and sizing: region, VPC, instance type, enclave allocation, fleet size, key administrators. */
  readonly aws: AwsSettings;
}

export type StackConfig = AwsStackConfig | GcpStackConfig | AzureStackConfig;

/** Latest Amazon Linux 2023 through SSM, resolved by EC2 at launch. */
export const AL2023_SSM_AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/** One pinned Confidential Space release: the container image by digest and its launch policy. */
export interface ContainerRelease {
  readonly version: string;
  /** `<registry>/<path>@sha256:<hex>`: what `tee-image-reference` names. */
  readonly image: string;
  /** `sha256:<hex>`: what the Workload Identity condition pins. */
  readonly digest: string;
  readonly servesTls: boolean;
  /** TCP ports the image EXPOSEs: the only ones the Confidential Space launcher opens. */
  readonly exposedPorts: readonly number[];
  readonly launchPolicy: { readonly allowEnvOverride: readonly string[]; readonly allowCmdOverride: boolean; readonly logRedirect: "always" | "debugonly" | "never" };
}

export type GcpNetworkSettings =
  | { readonly mode: "create"; readonly cidrBlock: string }
  | { readonly mode: "existing"; readonly network: pulumi.Input<string>; readonly subnetwork: pulumi.Input<string>; readonly cloudNat: boolean };

export type GcpCertificateSettings = { readonly managedDomains: readonly string[] } | { readonly sslCertificates: pulumi.Input<pulumi.Input<string>[]> };

export interface GcpSettings {
  readonly project: string;
  readonly region: string;
  readonly zones: readonly string[];
  /** The Confidential Space technologies: AMD SEV or Intel TDX. */
  readonly confidentialInstanceType: "SEV" | "TDX";
  readonly machineType: string;
  readonly image: { readonly project: string; readonly family: string };
  readonly restartPolicy: "Always" | "OnFailure" | "Never";
  readonly logRedirect: boolean;
  readonly fleet: { readonly minSize: number; readonly maxSize: number };
  readonly bootDiskGb: number;
  readonly network: GcpNetworkSettings;
  readonly certificate?: GcpCertificateSettings;
}

/** A validated GCP stack; also the arguments of ConfidentialSpaceProofServer (everything but cloud and namePrefix). */
export interface GcpStackConfig extends SharedStackConfig {
  readonly cloud: "gcp";
  /** Accepted releases (two during a rotation); the last is what the instance template runs. */
  readonly releases: readonly ContainerRelease[];
  /** GCP placement and sizing: project, region, zones, confidential type, machine type, fleet, network, certificate. */
  readonly gcp: GcpSettings;
}

/** One pinned Azure release: the proof-server container by digest. */
export interface AzureContainerRelease {
  readonly version: string;
  /** `<registry>/<path>@sha256:<hex>`: what the hosts run. */
  readonly image: string;
  /** `sha256:<hex>`. */
  readonly digest: string;
  readonly servesTls: boolean;
}

/** Whether a size is AMD SEV-SNP or Intel TDX. */
export type AzureTechnology = "SEV_SNP" | "TDX";

export type AzureNetworkSettings =
  | { readonly mode: "create"; readonly addressSpace: string }
  | {
      readonly mode: "existing";
      readonly hostsSubnetId: pulumi.Input<string>;
      readonly appGatewaySubnetId?: pulumi.Input<string>;
      readonly appGatewaySubnetCidr?: string;
      readonly natGateway: boolean;
    };

export interface AzureSettings {
  /** `azure-native:location`, e.g. eastus. */
  readonly location: string;
  /** `azure-native:subscriptionId`: part of the Key Vault name's hash (vault names are global). */
  readonly subscriptionId: string;
  readonly technology: AzureTechnology;
  readonly vmSize: string;
  readonly zones: readonly string[];
  readonly image: { readonly publisher: string; readonly offer: string; readonly sku: string; readonly version: string };
  readonly osDiskGb: number;
  readonly fleet: { readonly minSize: number; readonly maxSize: number };
  readonly resourceGroup: { readonly mode: "create" } | { readonly mode: "existing"; readonly name: pulumi.Input<string> };
  readonly network: AzureNetworkSettings;
  readonly ssh?: { readonly adminUsername: string; readonly publicKey: string; readonly sourceCidrs: readonly string[] };
  readonly administratorObjectIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly attestationAuthority?: string;
  readonly certificate?: { readonly keyVaultSecretId: pulumi.Input<string> };
  readonly backendTls?: { readonly trustedRootCertificate: string; readonly hostName: string };
  /** Key Vault secret names of the TEE build's envelopes and the pinned AzureAttestSKR bundle (docs/azure-key-release.md). */
  readonly secrets?: {
    readonly apiKey?: string;
    readonly tlsCertificate?: string;
    readonly tlsKey?: string;
    readonly releaseTool: { readonly url: string; readonly sha256: string };
    readonly containerUid: number;
  };
}

/** A validated Azure stack; also the arguments of AzureConfidentialProofServer (everything but cloud and namePrefix). */
export interface AzureStackConfig extends SharedStackConfig {
  readonly cloud: "azure";
  /** Accepted releases (two during a rotation); the last is what the scale set runs. */
  readonly releases: readonly AzureContainerRelease[];
  /** Azure placement and sizing: location, technology, VM size, zones, fleet, network, key administrators. */
  readonly azure: AzureSettings;
}

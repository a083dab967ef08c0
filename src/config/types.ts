import type { NitroManifest } from "../attestation/manifest";
import type { NitroReleasePins } from "../attestation/pins";
import type { IngressSettings } from "../ingress/model";
import type { Severity } from "../monitoring/catalogue";
import type { InstanceShape } from "../sizing";

/** Validated, resolved configuration: what stacks and components receive. */

export type Environment = "dev" | "staging" | "prod";

export interface AlarmSubscriptions {
  readonly emails: readonly string[];
  readonly httpsEndpoints: readonly string[];
}

export interface ProofServerSettings {
  /** Which upstream build runs: the TEE build (TLS, API keys) or the reference build (plain HTTP). */
  readonly build: "tee" | "reference";
  readonly port: number;
  readonly jobTimeoutSeconds: number;
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
  | { readonly mode: "existing"; readonly vpcId: string; readonly privateSubnetIds: readonly string[]; readonly publicSubnetIds: readonly string[] };

export interface AwsSettings {
  readonly region: string;
  readonly vpc: AwsVpcSettings;
  readonly instanceType: string;
  readonly instanceShape: InstanceShape;
  readonly amiId: string;
  readonly enclave: { readonly cpuCount: number; readonly memoryMiB: number };
  readonly fleet: { readonly minSize: number; readonly maxSize: number; readonly desiredCapacity: number };
  readonly certificateArn?: string;
  readonly tlsPolicy: string;
  readonly keyAdministratorArns: readonly string[];
  readonly kmsDeletionWindowDays: number;
}

/** A validated AWS stack; also the arguments of NitroProofServer (everything but cloud and namePrefix). */
export interface AwsStackConfig {
  readonly cloud: "aws";
  /** dev, staging or prod; no default. prod protects the KMS key and load balancer and retains logs. */
  readonly environment: Environment;
  /** Prefix of the fleet name (default "prover"); the stack name follows it. */
  readonly namePrefix: string;
  /** Build and job timeout (default 600 s) of the proof server; the job timeout sizes every request-path timeout. */
  readonly proofServer: ProofServerSettings;
  /** Ingress mode, listener, timeouts (default job + 60 s) and plaintext-hop acceptance; no default mode: the choice must be explicit. */
  readonly ingress: IngressSettings;
  /** All accepted releases (two during a rotation); the last one is what new hosts boot. */
  readonly releases: readonly NitroRelease[];
  /** Subscriptions per severity topic (default none: topics without subscribers). */
  readonly alarms: Readonly<Record<Severity, AlarmSubscriptions>>;
  /** Host log retention in days (default per environment: 14 / 90 / 365). */
  readonly logRetentionDays: number;
  /** Tags on every taggable child (default none). */
  readonly tags: Readonly<Record<string, string>>;
  /** AWS placement and sizing: region, VPC, instance type, enclave allocation, fleet size, key administrators. */
  readonly aws: AwsSettings;
}

export type StackConfig = AwsStackConfig;

/** Latest Amazon Linux 2023 through SSM, resolved by EC2 at launch. */
export const AL2023_SSM_AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

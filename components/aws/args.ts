import type * as pulumi from "@pulumi/pulumi";
import type { NitroManifest } from "../../src/attestation/manifest";
import type { SharedProofServerArgs } from "../../src/config/args-shared";

/** One accepted release: its published PCR manifest and the EIF built from it. */
export interface NitroReleaseArgs {
  /**
   * The published PCR manifest: the object (`knownReleases["v6.3.1"].manifest`) or the path of
   * the JSON file, relative to the Pulumi project directory (where `pulumi up` runs). Checked:
   * SHA-384 PCR0-2, never all zeros (a debug enclave). No default.
   */
  readonly manifest: NitroManifest | string;
  /** The EIF built reproducibly from this release. */
  readonly eif: {
    /** `s3://<bucket>/<key>.eif`: where the hosts download it at boot. No default. */
    readonly s3Uri: string;
    /**
     * Whether the EIF serves HTTPS itself. Default: known for the releases in `knownReleases` (the
     * published v6.3.1 EIF serves plain HTTP); required for any other manifest.
     */
    readonly servesTls?: boolean;
  };
  /** PCR8 (the EIF signing certificate) to pin, for signed EIFs. Default: the manifest's, if any. */
  readonly pcr8?: string;
  /**
   * PCRs reported but left out of the KMS condition (1, 2 or 8; PCR0 is always enforced). Default
   * none. Only for a rotation you are diagnosing; the offline plan prints them.
   */
  readonly warnOnlyPcrs?: readonly (1 | 2 | 8)[];
}

/** A VPC the component creates. */
export interface NitroVpcCreateArgs {
  /** `create`: the component creates the VPC, its subnets, internet and NAT gateways. */
  readonly mode: "create";
  /** The VPC's range, /16 to /18. Default `10.64.0.0/16`. */
  readonly cidrBlock?: string;
  /** Availability zones to spread over, 2 or 3. Default 2. */
  readonly availabilityZoneCount?: number;
  /** `single` NAT gateway (cheaper, dev) or one per AZ (egress survives an AZ outage). Default `single`. */
  readonly natGateways?: "single" | "perAz";
}

/** An existing VPC: e.g. `vpc.vpcId`, `vpc.privateSubnetIds` of an `awsx.ec2.Vpc`, or a StackReference's outputs. */
export interface NitroVpcExistingArgs {
  /** `existing`: the hosts and load balancer go into the subnets given here. */
  readonly mode: "existing";
  /** The VPC's id (`vpc-...`). No default. */
  readonly vpcId: pulumi.Input<string>;
  /** Subnets of the hosts, in at least 2 AZs, with NAT egress (S3, KMS, CloudWatch, SSM). No default. */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Subnets of the internet-facing load balancer, in at least 2 AZs. No default. */
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** Where and how the Nitro hosts run. */
export interface NitroAwsArgs {
  /**
   * The region the fleet is deployed in; it must be the region of the AWS provider the component
   * uses. Default: the stack's `aws:region`.
   */
  readonly region?: string;
  /** The VPC: created, or an existing one. Default: create `10.64.0.0/16` over 2 AZs. */
  readonly vpc?: NitroVpcCreateArgs | NitroVpcExistingArgs;
  /**
   * Parent instance type: enclave-capable (Nitro), not burstable, at least 4 vCPUs. Default
   * `m6i.xlarge`.
   */
  readonly instanceType?: string;
  /**
   * The parents' AMI: `ami-...` or `resolve:ssm:...`. Default: latest Amazon Linux 2023 through SSM,
   * which dev and staging may follow; prod must pin an `ami-...` so every host boots the same image.
   */
  readonly amiId?: string;
  /**
   * vCPUs and MiB the enclave gets. Default: the release manifest's `buildInfo` (what PCR2 was
   * measured with); less is refused, and the parent keeps at least 2 vCPUs and 2 GiB.
   */
  readonly enclave?: {
    /** Enclave vCPUs: whole cores (even on hyper-threaded types), at least the manifest's `cpuCount`. */
    readonly cpuCount?: number;
    /** Enclave memory in MiB, at least the manifest's `memoryMB`; reserved as hugepages at boot. */
    readonly memoryMiB?: number;
  };
  /** Auto Scaling group size. Default min 2, max 4, desired = min. prod needs min >= 2. */
  readonly fleet?: {
    /** Fewest hosts. Default 2 (prod: at least 2, so an AZ or a rollout never takes the service down). */
    readonly minSize?: number;
    /** Most hosts. Default 4. */
    readonly maxSize?: number;
    /** Hosts at creation. Default `minSize`. */
    readonly desiredCapacity?: number;
  };
  /**
   * ACM certificate of the ALB's HTTPS listener (terminate mode, required there), e.g.
   * `certificate.arn` of an `aws.acm.Certificate`. Also watched for expiry.
   */
  readonly certificateArn?: pulumi.Input<string>;
  /** ALB TLS policy (TLS 1.3/1.2 with forward secrecy only). Default `ELBSecurityPolicy-TLS13-1-2-2021-06`. */
  readonly tlsPolicy?: string;
  /**
   * IAM roles or users that administer the attestation-bound KMS key; include the role that runs
   * `pulumi up`. No default; the account root and wildcards are refused (they would let any IAM
   * policy bypass attestation).
   */
  readonly keyAdministratorArns: pulumi.Input<pulumi.Input<string>[]>;
  /** Days a scheduled key deletion waits (7-30). Default 30. */
  readonly kmsDeletionWindowDays?: number;
  /**
   * Whether the KMS condition also pins PCR3, the parents' IAM role. Default true: otherwise the
   * pinned public release decrypts under any parent with the role's credentials, in any account.
   */
  readonly pinParentRole?: boolean;
  /** Why PCR3 is not pinned; required when `pinParentRole` is false. */
  readonly pinParentRoleOffReason?: string;
  /**
   * Logged Session Manager shells on the parents. Default: on in dev and staging, off in prod (the
   * host role then has no Session Manager permission at all).
   */
  readonly interactiveAccess?: boolean;
}

/**
 * Arguments of `NitroProofServer`. The keys are those of the stack configuration (README, Config
 * reference) without the `tee-prover-infra:` prefix, and are validated by the same checks, before
 * any resource is declared. Values from other resources (VPC and subnet ids, certificate and
 * administrator ARNs, notification endpoints) may be Outputs; they are checked when known, and a
 * bad one fails the deployment with its argument path.
 */
export interface NitroProofServerArgs extends SharedProofServerArgs {
  /**
   * Accepted releases: one, or two during a rotation (the running one, then the next). The last
   * one is what new hosts boot; the KMS key decrypts for each. No default.
   */
  readonly releases: readonly NitroReleaseArgs[];
  /** Host log retention in days (a period CloudWatch Logs accepts). Default 14 / 90 / 365 for dev / staging / prod. */
  readonly logRetentionDays?: number;
  /** Tags on every child that takes them. Default none. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Placement, sizing, key administration and host access on AWS. */
  readonly aws: NitroAwsArgs;
}

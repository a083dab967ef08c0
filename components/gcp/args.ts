import type * as pulumi from "@pulumi/pulumi";
import type { SharedProofServerArgs } from "../../src/config/args-shared";

/** One accepted Confidential Space release: the image pinned by digest and what its launch policy allows. */
export interface ContainerReleaseArgs {
  /** Release version, e.g. v6.3.1: a label for people and the plan. No default. */
  readonly version: string;
  /** `<registry>/<path>@sha256:<64 hex>`; a tag is refused, since it can be moved to another image. No default. */
  readonly image: string;
  /** Whether the server in this image serves TLS with the environment this component sets. No default. */
  readonly servesTls: boolean;
  /**
   * TCP ports the image EXPOSEs (its config's ExposedPorts): the Confidential Space launcher opens only
   * these, so the list must include 6300. No default: read it from the image.
   */
  readonly exposedPorts: readonly number[];
  /** The image's launch policy (labels `tee.launch_policy.*`). Default: nothing overridable, logs in debug only. */
  readonly launchPolicy?: {
    /** Variables `tee-env-*` may set. Default none. */
    readonly allowEnvOverride?: readonly string[];
    /** Whether the command may be overridden; true is refused (the digest would no longer say what runs). Default false. */
    readonly allowCmdOverride?: boolean;
    /** When the image may redirect its logs to Cloud Logging. Default `debugonly`. */
    readonly logRedirect?: "always" | "debugonly" | "never";
  };
}

/** A network the component creates. */
export interface ConfidentialSpaceNetworkCreateArgs {
  /** `create`: the component creates the network, the hosts' subnet, Cloud Router and Cloud NAT. */
  readonly mode: "create";
  /** The hosts' subnet range. Default `10.80.0.0/20`. */
  readonly cidrBlock?: string;
}

/** An existing network, e.g. `network.id` and `subnetwork.id` of your own resources or a StackReference's outputs. */
export interface ConfidentialSpaceNetworkExistingArgs {
  /** `existing`: the instances go into the subnetwork given here. */
  readonly mode: "existing";
  /** Self link or `projects/<p>/global/networks/<n>`. No default. */
  readonly network: pulumi.Input<string>;
  /** Self link or `projects/<p>/regions/<r>/subnetworks/<s>`, in the component's region. No default. */
  readonly subnetwork: pulumi.Input<string>;
  /**
   * Whether the component creates a Cloud Router and Cloud NAT for the subnet. No default: a shared
   * network often has one already (a second conflicts), and without any the instances cannot fetch
   * proving parameters.
   */
  readonly cloudNat: boolean;
}

/** Where and how the confidential VMs run. */
export interface ConfidentialSpaceGcpArgs {
  /** The project to deploy in. Default: the stack's `gcp:project`. */
  readonly project?: string;
  /** The region of the instance group and subnet. Default: the stack's `gcp:region`. */
  readonly region?: string;
  /** `SEV` (n2d, c2d) or `TDX` (c3); SEV_SNP is refused (Confidential Space does not run on it). No default. */
  readonly confidentialInstanceType: "SEV" | "SEV_SNP" | "TDX";
  /** Machine type of the confidential technology's family, e.g. `n2d-standard-8`. No default. */
  readonly machineType: string;
  /** Zones of the regional instance group: at least 2, in the region, offering the machine type. No default. */
  readonly zones: readonly string[];
  /** The Confidential Space image; only the production family. Default `confidential-space-images/confidential-space`. */
  readonly image?: {
    /** Image project; only `confidential-space-images`. */
    readonly project?: string;
    /** Image family; only the production `confidential-space` (the debug family allows SSH). */
    readonly family?: string;
  };
  /** The launcher's `tee-restart-policy`. Default `Always`. */
  readonly restartPolicy?: "Always" | "OnFailure" | "Never";
  /** The launcher's `tee-container-log-redirect`; only with images whose policy says `always`. Default false. */
  readonly logRedirect?: boolean;
  /** Instance group size. Default min 2, max 4; prod needs min >= 2. */
  readonly fleet?: {
    /** Fewest instances. Default 2 (prod: at least 2). */
    readonly minSize?: number;
    /** Most instances. Default 4. */
    readonly maxSize?: number;
  };
  /** Boot disk size in GB (11-2048). Default 20. */
  readonly bootDiskGb?: number;
  /** The network: created, or an existing one. Default: create `10.80.0.0/20`. */
  readonly network?: ConfidentialSpaceNetworkCreateArgs | ConfidentialSpaceNetworkExistingArgs;
  /**
   * terminate mode (required there): a Google-managed certificate for `managedDomains`, or existing
   * certificates (`sslCertificates`, e.g. `certificate.id` of your own `compute.ManagedSslCertificate`).
   */
  readonly certificate?:
    | {
        /** DNS names of a Google-managed certificate the component creates (point them at the load balancer's address). */
        readonly managedDomains: readonly string[];
      }
    | {
        /** Existing certificates' self links or ids, e.g. `certificate.id` of your own certificate. */
        readonly sslCertificates: pulumi.Input<pulumi.Input<string>[]>;
      };
}

/**
 * Arguments of `ConfidentialSpaceProofServer`. The keys are those of the stack configuration
 * (README, Config reference) without the `tee-prover-infra:` prefix, validated by the same checks
 * before any resource is declared. The network, subnetwork, certificates and notification endpoints
 * may be Outputs; they are checked when known, and a bad one fails the deployment with its
 * argument path.
 */
export interface ConfidentialSpaceProofServerArgs extends SharedProofServerArgs {
  /** Accepted releases: one, or two during a rotation; the last is what the instance template runs. No default. */
  readonly releases: readonly ContainerReleaseArgs[];
  /** Labels on every child that takes them (lower-case keys and values, at most 63 characters). Default none. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Placement, sizing, network and certificate on GCP. */
  readonly gcp: ConfidentialSpaceGcpArgs;
}

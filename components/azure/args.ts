import type * as pulumi from "@pulumi/pulumi";
import type { SharedProofServerArgs } from "../../src/config/args-shared";

/** One accepted Azure release: the proof-server container pinned by digest. */
export interface AzureContainerReleaseArgs {
  /** Release version, e.g. v6.3.1: a label for people and the plan. No default. */
  readonly version: string;
  /** `<registry>/<path>@sha256:<64 hex>`; a tag is refused, since it can be moved to another image. No default. */
  readonly image: string;
  /**
   * Whether the server in this image serves TLS. No default: it decides whether passthrough is
   * possible, the backend protocol and the health probe's scheme.
   */
  readonly servesTls: boolean;
}

/** A virtual network the component creates. */
export interface AzureNetworkCreateArgs {
  /** `create`: the component creates the virtual network, the hosts' and the gateway's subnets and the NAT gateway. */
  readonly mode: "create";
  /** The virtual network's range, /16 to /22 (a /24 for the hosts and one for the gateway). Default `10.90.0.0/16`. */
  readonly addressSpace?: string;
}

/** Existing subnets, e.g. `subnet.id` of your own resources or a StackReference's outputs. */
export interface AzureNetworkExistingArgs {
  /** `existing`: the scale set goes into the subnet given here. */
  readonly mode: "existing";
  /** The hosts' subnet resource id. No default. */
  readonly hostsSubnetId: pulumi.Input<string>;
  /** terminate mode (required there): the Application Gateway's dedicated subnet resource id. */
  readonly appGatewaySubnetId?: pulumi.Input<string>;
  /** terminate mode (required there): that subnet's range, the only source the hosts admit to 6300. */
  readonly appGatewaySubnetCidr?: string;
  /**
   * Whether the component creates a NAT gateway for the hosts' subnet. No default: confidential VMs
   * in a flexible scale set have no default outbound access (they could not pull the image or the
   * proving parameters), and a subnet may already have one.
   */
  readonly natGateway: boolean;
}

/** Where and how the confidential VMs run. */
export interface AzureConfidentialArgs {
  /** The region. Default: the stack's `azure-native:location`. */
  readonly location?: string;
  /**
   * The subscription id. Default: the stack's `azure-native:subscriptionId`. Required one way or the
   * other: it is part of the Key Vault name's hash, since vault names are globally unique.
   */
  readonly subscriptionId?: string;
  /** `SEV_SNP` (AMD) or `TDX` (Intel): the attestation type the key release requires. No default. */
  readonly technology: "SEV_SNP" | "TDX";
  /**
   * A confidential VM size of the technology: SEV_SNP DCasv5/ECasv5/DCadsv5/ECadsv5 (and v6), TDX
   * DCesv5/ECesv5/DCedsv5/ECedsv5 (and v6), e.g. `Standard_DC4as_v5`. SGX sizes (DCsv2/DCsv3/DCdsv3)
   * are refused: they are not confidential VMs. No default.
   */
  readonly vmSize: string;
  /** Availability zones ("1", "2", "3") to spread the VMs over. Default none (regions without zones). */
  readonly zones?: readonly ("1" | "2" | "3")[];
  /** The confidential (CVM) Ubuntu image. Default `Canonical:0001-com-ubuntu-confidential-vm-jammy:22_04-lts-cvm:latest`; prod pins the version. */
  readonly image?: {
    /** Image publisher; only `Canonical`. Default `Canonical`. */
    readonly publisher?: string;
    /** Marketplace offer. Default `0001-com-ubuntu-confidential-vm-jammy`. */
    readonly offer?: string;
    /** A CVM SKU (ends in `cvm`). Default `22_04-lts-cvm`. */
    readonly sku?: string;
    /** `latest` (dev and staging only) or a pinned version. Default `latest`. */
    readonly version?: string;
  };
  /** OS disk size in GB (30-4095). Default 30. */
  readonly osDiskGb?: number;
  /** Scale set size. Default min 2, max 4; prod needs min >= 2. */
  readonly fleet?: {
    /** Fewest VMs. Default 2 (prod: at least 2). */
    readonly minSize?: number;
    /** Most VMs. Default 4. */
    readonly maxSize?: number;
  };
  /** The resource group: created (default), or an existing one by name. */
  readonly resourceGroup?:
    | {
        /** `create`: the component creates a resource group named after the fleet. */
        readonly mode: "create";
      }
    | {
        /** `existing`: every resource goes into the named group. */
        readonly mode: "existing";
        /** The resource group's name, e.g. `group.name` of your own resource group. */
        readonly name: pulumi.Input<string>;
      };
  /** The network: created, or existing subnets. Default: create `10.90.0.0/16`. */
  readonly network?: AzureNetworkCreateArgs | AzureNetworkExistingArgs;
  /**
   * A break-glass SSH key, admitted only from private ranges (VPN, Azure Bastion); the VMs have no
   * public address. Default none: nobody can log in. There is no password option: password logins
   * are refused, since root in the guest is inside the attested trust boundary.
   */
  readonly ssh?: {
    /** The Linux user the key logs in as. Default `prover`. */
    readonly adminUsername?: string;
    /** An OpenSSH public key (`ssh-ed25519 AAAA...`). No default. */
    readonly publicKey: string;
    /** RFC 1918 source ranges admitted to port 22; public ranges are refused. No default. */
    readonly sourceCidrs: readonly string[];
  };
  /** Entra object ids that administer the Key Vault and its key; include whoever runs `pulumi up`. No default. */
  readonly administratorObjectIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The Microsoft Azure Attestation endpoint the key release policy trusts. Default: the region's shared provider. */
  readonly attestationAuthority?: string;
  /** terminate mode (required there): the listener's certificate, read by the gateway's user-assigned identity. */
  readonly certificate?: {
    /** Key Vault secret id of the certificate (`https://<vault>.vault.azure.net/secrets/<name>`), e.g. a certificate's `secretId`. */
    readonly keyVaultSecretId: pulumi.Input<string>;
  };
  /**
   * The TEE build's secrets, released on each VM after attestation (Secure Key Release) into tmpfs
   * before the container starts; docs/azure-key-release.md. Each names a secret in the fleet's own
   * vault (`keyVaultUri`) holding an envelope from `npm run azure:wrap-secret`. Default none: the
   * server gets no secrets (the reference build needs none).
   */
  readonly secrets?: {
    /** Key Vault secret with the API key(s), comma-separated; the server reads MIDNIGHT_PROOF_SERVER_API_KEY. No default. */
    readonly apiKey?: string;
    /** Key Vault secret with the TLS certificate chain (PEM); with `tlsKey`. No default. */
    readonly tlsCertificate?: string;
    /** Key Vault secret with the TLS private key (PEM); with `tlsCertificate`, only for a release that serves TLS. No default. */
    readonly tlsKey?: string;
    /** Microsoft's AzureAttestSKR (Azure/confidential-computing-cvm-guest-attestation), built by you, which the VMs download and verify. */
    readonly releaseTool: {
      /** https URL of a tar.gz holding `AzureAttestSKR` and `libazguestattestation.so.1` at its top level. No default. */
      readonly url: string;
      /** The bundle's sha256 (64 lower-case hex): the VMs run nothing else. No default. */
      readonly sha256: string;
    };
    /** The container's user, owner of the TLS files. Default 1000 (the TEE image's `proofserver`). */
    readonly containerUid?: number;
  };
  /** terminate mode with HTTPS to the VMs (required there): what the gateway trusts on the backend hop. */
  readonly backendTls?: {
    /** The root CA certificate (PEM or base64 DER) that signed the server's certificate. */
    readonly trustedRootCertificate: string;
    /** The host name in the server's certificate (SNI, and the name the gateway checks). */
    readonly hostName: string;
  };
}

/**
 * Arguments of `AzureConfidentialProofServer`. The keys are those of the stack configuration
 * without the `tee-prover-infra:` prefix, validated by the same checks before any resource is
 * declared. The resource group name, subnet ids, the certificate's secret id, the administrators'
 * object ids and notification endpoints may be Outputs; they are checked when known.
 */
export interface AzureConfidentialProofServerArgs extends SharedProofServerArgs {
  /** Accepted releases: one, or two during a rotation; the last is what the scale set runs. No default. */
  readonly releases: readonly AzureContainerReleaseArgs[];
  /** Azure tags on every child that takes them. Default none. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Placement, sizing, network and certificates on Azure. */
  readonly azure: AzureConfidentialArgs;
}

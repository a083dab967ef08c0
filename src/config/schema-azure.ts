import { z } from "zod";
import { ipv4Cidr } from "./schema-cidr";
import { imageByDigestSchema } from "./schema-image";

/**
 * The Azure section of the stack configuration (`tee-prover-infra:azure`) and the Azure release.
 * Cross-field rules (size against technology, image, SSH sources, terminate-mode certificates)
 * live in resolve-azure.ts, so their messages can say why. Sources: docs/azure-facts.md.
 */

const cidr = ipv4Cidr("10.90.0.0/16");
/** Key Vault secret names: 1-127 letters, digits and hyphens. */
const keyVaultSecretName = z.string().regex(/^[0-9A-Za-z-]{1,127}$/, "must be a Key Vault secret name (1-127 letters, digits and -)");
const guid = z.string().regex(/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, "must be a GUID (an Entra object id)");
/** An ARM resource id of a subnet. */
const subnetId = z
  .string()
  .regex(/^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[\w.()-]{1,90}\/providers\/Microsoft\.Network\/virtualNetworks\/[\w.-]{2,64}\/subnets\/[\w.-]{1,80}$/i, "must be a subnet's resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>)");

/** The confidential Ubuntu 22.04 image (Gen2, CVM): Canonical's CVM SKU of its confidential-vm offer. */
export const AZURE_DEFAULT_IMAGE = { publisher: "Canonical", offer: "0001-com-ubuntu-confidential-vm-jammy", sku: "22_04-lts-cvm", version: "latest" } as const;

/** A release on Azure: the proof-server container pinned by digest, run by podman on the confidential VM. */
export const azureReleaseSchema = z.strictObject({
  /** Release version, e.g. v6.3.1; a label for people and the plan. */
  version: z.string().min(1),
  /** `<registry>/<path>@sha256:<64 hex>`; a tag is refused. */
  image: imageByDigestSchema,
  /** Whether the server in this image serves TLS (decides passthrough, the backend protocol and the health probe). */
  servesTls: z.boolean(),
});

/** Azure tags: names up to 512 characters without `<>%&\?/`, values up to 256. */
export const azureTagsSchema = z
  .record(z.string().regex(/^[^<>%&\\?/]{1,512}$/, "Azure tag names: 1-512 characters, none of < > % & \\ ? /"), z.string().max(256, "Azure tag values: at most 256 characters"))
  .default({});

export const azureSchema = z.strictObject({
  /**
   * SEV_SNP (AMD: DCasv5/ECasv5/DCadsv5/ECadsv5 and v6) or TDX (Intel: DCesv5/ECesv5/DCedsv5/ECedsv5
   * and v6). The size must belong to the technology (resolve-azure.ts).
   */
  technology: z.enum(["SEV_SNP", "TDX"]),
  /** A confidential VM size of the technology, e.g. Standard_DC4as_v5. */
  vmSize: z.string().regex(/^Standard_[A-Za-z0-9_]+$/, "must be an Azure VM size such as Standard_DC4as_v5"),
  /** Availability zones of the scale set ("1", "2", "3"); empty where the region has none. */
  zones: z.array(z.enum(["1", "2", "3"], { error: "must be \"1\", \"2\" or \"3\"" })).default([]),
  /** A confidential (CVM) marketplace image; prod pins its version. */
  image: z
    .strictObject({
      publisher: z.string().min(1).default(AZURE_DEFAULT_IMAGE.publisher),
      offer: z.string().min(1).default(AZURE_DEFAULT_IMAGE.offer),
      sku: z.string().min(1).default(AZURE_DEFAULT_IMAGE.sku),
      version: z.string().regex(/^(latest|\d+\.\d+\.\d+)$/, "must be latest or a version such as 22.04.202411010").default(AZURE_DEFAULT_IMAGE.version),
    })
    .default({ ...AZURE_DEFAULT_IMAGE }),
  /** OS disk size in GB (the image needs 30). */
  osDiskGb: z.number().int().min(30).max(4095).default(30),
  fleet: z
    .strictObject({ minSize: z.number().int().min(1).default(2), maxSize: z.number().int().min(1).max(1000).default(4) })
    .default({ minSize: 2, maxSize: 4 }),
  /** The resource group: created by the stack, or an existing one by name. */
  resourceGroup: z
    .discriminatedUnion("mode", [
      z.strictObject({ mode: z.literal("create") }),
      z.strictObject({ mode: z.literal("existing"), name: z.string().regex(/^[\w.()-]{1,89}[\w()-]$/, "must be a resource group name (1-90 of letters, digits, _ . ( ) -, not ending in .)") }),
    ])
    .default({ mode: "create" }),
  network: z
    .discriminatedUnion("mode", [
      z.strictObject({
        mode: z.literal("create"),
        /** /16 to /22: a /24 for the hosts and a /24 for the Application Gateway. */
        addressSpace: cidr.refine((c) => { const p = Number(c.split("/")[1]); return p >= 16 && p <= 22; }, "must be a /16 to /22 (room for the hosts' and the Application Gateway's /24s)").default("10.90.0.0/16"),
      }),
      z.strictObject({
        mode: z.literal("existing"),
        /** The hosts' subnet. */
        hostsSubnetId: subnetId,
        /** terminate mode: the Application Gateway's dedicated subnet. */
        appGatewaySubnetId: subnetId.optional(),
        /** The hosts' subnet address range, for the NSG rules that admit the gateway (terminate mode). */
        appGatewaySubnetCidr: cidr.optional(),
        /**
         * Whether the stack creates a NAT gateway for the hosts' subnet. Required, no default: confidential
         * VMs in a flexible scale set have no default outbound access, and a subnet takes one NAT gateway.
         */
        natGateway: z.boolean({ error: "say whether this stack creates the NAT gateway: true, or false when the subnet already has outbound access (a NAT gateway of its own)" }),
      }),
    ])
    .default({ mode: "create", addressSpace: "10.90.0.0/16" }),
  /** An SSH key for break-glass logins, reachable only from the private ranges given; default: no login at all. */
  ssh: z
    .strictObject({
      adminUsername: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Linux user name").default("prover"),
      publicKey: z.string().regex(/^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]{40,}( .*)?$/, "must be an OpenSSH public key (ssh-ed25519 AAAA... or ssh-rsa AAAA...)"),
      /** Private source ranges (VPN, Bastion subnet) admitted to port 22; the internet never is. */
      sourceCidrs: z.array(cidr).min(1, "list the private ranges (VPN, Azure Bastion subnet) that may reach port 22"),
    })
    .optional(),
  /**
   * Never accepted: a password login would let anyone who learns it become root in the guest, which
   * is inside the attested trust boundary. Declared only so the refusal can say why.
   */
  adminPassword: z
    .never({ error: "password login is refused: root in the confidential VM can read every released key and every request, and a password can be guessed or leaked; the scale set disables password authentication" })
    .optional(),
  /** Entra object ids that administer the Key Vault and key (include whoever runs pulumi up). */
  administratorObjectIds: z.array(guid).min(1, "list at least the object id of the principal that runs pulumi up"),
  /** Microsoft Azure Attestation endpoint the key release policy trusts; default: the region's shared provider. */
  attestationAuthority: z.url({ protocol: /^https$/, error: "must be an https:// MAA endpoint such as https://sharedeus.eus.attest.azure.net" }).optional(),
  /** terminate mode: the listener's certificate, a Key Vault secret id read by the gateway's identity. */
  certificate: z
    .strictObject({
      keyVaultSecretId: z.string().regex(/^https:\/\/[a-z0-9-]{3,24}\.vault\.azure\.net\/secrets\/[A-Za-z0-9-]{1,127}(\/[0-9a-f]{32})?\/?$/, "must be a Key Vault secret id (https://<vault>.vault.azure.net/secrets/<name>[/<version>])"),
    })
    .optional(),
  /**
   * The TEE build's secrets, released on the VM after attestation (docs/azure-key-release.md): each
   * a Key Vault secret in the fleet's vault holding an envelope wrapped under the release key
   * (`npm run azure:wrap-secret`). Absent: the server gets none (the reference build needs none).
   */
  secrets: z
    .strictObject({
      /** Secret holding the API key(s) (comma-separated): MIDNIGHT_PROOF_SERVER_API_KEY. */
      apiKey: keyVaultSecretName.optional(),
      /** Secret holding the TLS certificate chain (PEM): MIDNIGHT_PROOF_SERVER_TLS_CERT. */
      tlsCertificate: keyVaultSecretName.optional(),
      /** Secret holding the TLS private key (PEM): MIDNIGHT_PROOF_SERVER_TLS_KEY. */
      tlsKey: keyVaultSecretName.optional(),
      /** Microsoft's AzureAttestSKR, built by you: a tar.gz with AzureAttestSKR and libazguestattestation.so.1 at its top level. */
      releaseTool: z.strictObject({
        /** Where the VMs download it (https). */
        url: z.url({ protocol: /^https$/, error: "must be an https:// URL of the AzureAttestSKR bundle (tar.gz)" }),
        /** Its sha256: the VM refuses to run anything else. */
        sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the bundle's sha256, 64 lower-case hex characters (sha256sum bundle.tgz)"),
      }),
      /** The container's user, who owns the TLS files: the TEE image's proofserver user is uid 1000. */
      containerUid: z.number().int().min(0).max(65535).default(1000),
    })
    .optional(),
  /** terminate mode with HTTPS to the hosts: the root the gateway trusts and the name in the server's certificate. */
  backendTls: z
    .strictObject({
      /** The root CA certificate (PEM, or base64 DER) that signed the server's certificate. */
      trustedRootCertificate: z.string().min(40, "must be the root CA certificate (PEM or base64 DER)"),
      /** The host name in the server's certificate (SNI and the name the gateway checks). */
      hostName: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, "must be a DNS name"),
    })
    .optional(),
});

export type RawAzureSection = z.infer<typeof azureSchema>;
export type RawAzureRelease = z.infer<typeof azureReleaseSchema>;

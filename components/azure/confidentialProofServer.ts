import { fleetComponentOptions } from "../../src/rename";
import * as pulumi from "@pulumi/pulumi";
import { getClientConfigOutput } from "@pulumi/azure-native/authorization/getClientConfig";
import { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity";
import { ResourceGroup } from "@pulumi/azure-native/resources/resourceGroup";
import { activeRelease, resolveAzureArgs } from "../../src/config/args";
import { plaintextExposure, PROOF_SERVER_PORT } from "../../src/ingress/model";
import type { ReviewFacts } from "../../src/review";
import type { AzureStackConfig } from "../../src/config/types";
import { quarantineReview } from "../../src/quarantine";
import type { AzureConfidentialProofServerArgs } from "./args";
import { azureAgentAccess, azureMetricNamespace } from "./agent";
import { confidentialScaleSet } from "./fleet";
import { attestedKey } from "./keyRelease";
import { azureMonitoring } from "./monitoring";
import { azureIngress } from "./ingress";
import { azureFleetNetwork } from "./network";
import { ENVIRONMENTS } from "../../src/config/environments";

export type { AzureConfidentialProofServerArgs } from "./args";

/** What the offline plan and reviewers need that is not a cloud resource property. */
export interface AzureReviewFacts extends ReviewFacts {
  /** Pinned image digests per release. */
  readonly imageDigests: Record<string, string>;
  /** SEV_SNP or TDX: the attestation type (sevsnpvm / tdxvm) the key release requires. */
  readonly technology: "SEV_SNP" | "TDX";
  /**
   * What attestation proves on Azure: the hardware, an Azure-compliant confidential VM and its
   * boot, not the container; root in the guest is inside the trust boundary.
   */
  readonly attestationScope: string;
  /**
   * What each VM does for the server's secrets before its container starts (docs/azure-key-release.md):
   * attest, release the key, unwrap into tmpfs (TEE build with azure.secrets), or nothing.
   */
  readonly hostSecrets: string;
}

/**
 * The Midnight proof server on Azure confidential VMs (AMD SEV-SNP or Intel TDX) in a flexible
 * scale set, behind a Standard Load Balancer (passthrough) or an Application Gateway with WAF
 * (terminate). Type token `tee-prover:azure:ConfidentialProofServer`.
 */
export class AzureConfidentialProofServer extends pulumi.ComponentResource {
  /** URL clients send proofs to. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly ipAddress: pulumi.Output<string>;
  public readonly resourceGroupName: pulumi.Output<string>;
  public readonly scaleSetId: pulumi.Output<string>;
  public readonly scaleSetName: pulumi.Output<string>;
  /** passthrough: the Standard Load Balancer's id; terminate: the Application Gateway's id. */
  public readonly loadBalancerId: pulumi.Output<string>;
  /** principalId of the VMs' user-assigned identity: the only principal a key release may name. */
  public readonly identityPrincipalId: pulumi.Output<string>;
  /** terminate: principalId of the gateway's identity; grant it Key Vault Secrets User on the certificate's vault. */
  public readonly gatewayIdentityPrincipalId?: pulumi.Output<string>;
  public readonly tenantId: pulumi.Output<string>;
  /** The attestation-bound vault (`https://<vault>.vault.azure.net/`): wrap the API key / TLS key for the hosts there. */
  public readonly keyVaultUri: pulumi.Output<string>;
  /** Name of the exportable key only an attested VM of this fleet can release (it changes with the pins). */
  public readonly releaseKeyName: pulumi.Output<string>;
  public readonly review: AzureReviewFacts;

  /**
   * @param name The fleet's name: every child's name starts with it (1-28 characters).
   * @param inputs Validated before anything is declared; see AzureConfidentialProofServerArgs.
   */
  constructor(name: string, inputs: AzureConfidentialProofServerArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component itself registers: bad arguments declare nothing.
    const args = resolveAzureArgs(name, inputs);
    super("tee-prover:azure:ConfidentialProofServer", name, {}, fleetComponentOptions(name, opts));
    const active = activeRelease(name, args.releases);
    const { azure } = args;
    // Protection and retention per environment: the profile (docs/environments.md).
    const prod = ENVIRONMENTS[args.environment].deletionProtection;
    const tags = { ...args.tags, "tee-prover-environment": args.environment, "tee-prover-fleet": name };

    let resourceGroupName: pulumi.Output<string>;
    let resourceGroupId: pulumi.Output<string>;
    if (azure.resourceGroup.mode === "create") {
      const group = new ResourceGroup(`${name}-rg`, { location: azure.location, tags }, { parent: this, ...(prod ? { protect: true } : {}) });
      resourceGroupName = group.name;
      resourceGroupId = group.id;
    } else {
      resourceGroupName = pulumi.output(azure.resourceGroup.name);
      resourceGroupId = pulumi.interpolate`/subscriptions/${azure.subscriptionId}/resourceGroups/${resourceGroupName}`;
    }
    const client = getClientConfigOutput({ parent: this });
    const identity = new UserAssignedIdentity(`${name}-id`, { resourceGroupName, location: azure.location, tags }, { parent: this });
    const gatewayIdentity = args.ingress.mode === "terminate"
      ? new UserAssignedIdentity(`${name}-agw-id`, { resourceGroupName, location: azure.location, tags }, { parent: this })
      : undefined;

    const net = azureFleetNetwork(name, {
      settings: azure.network,
      resourceGroupName,
      location: azure.location,
      ingress: args.ingress,
      port: PROOF_SERVER_PORT,
      zones: azure.zones,
      ...(azure.ssh ? { sshSourceCidrs: azure.ssh.sourceCidrs } : {}),
      quarantined: args.quarantine !== undefined,
      tags,
    }, this);
    const ingress = azureIngress(name, {
      settings: args.ingress,
      azure,
      resourceGroupName,
      resourceGroupId,
      ...(net.appGatewaySubnetId ? { appGatewaySubnetId: net.appGatewaySubnetId } : {}),
      ...(gatewayIdentity ? { gatewayIdentityId: gatewayIdentity.id } : {}),
      prod,
      quarantined: args.quarantine !== undefined,
      tags,
    }, this);
    // Secrets bound to attestation: a key only a compliant, non-debug CVM of this technology, holding
    // the fleet's identity, can release (docs/azure-key-release.md).
    const released = attestedKey(name, {
      resourceGroupName,
      location: azure.location,
      tenantId: client.tenantId,
      releasePrincipalId: identity.principalId,
      technology: azure.technology,
      ...(azure.attestationAuthority ? { attestationAuthority: azure.attestationAuthority } : {}),
      administratorObjectIds: azure.administratorObjectIds,
      protect: prod,
      tags,
    }, this);
    const fleet = confidentialScaleSet(name, {
      settings: azure,
      release: active,
      env: args.proofServer.env,
      ingress: args.ingress,
      resourceGroupName,
      hostsSubnetId: net.hostsSubnetId,
      hostsNsgId: net.hostsNsg.id,
      identityId: identity.id,
      identityClientId: identity.clientId,
      metricNamespace: azureMetricNamespace(name),
      // The hosts release the key and unwrap the TEE build's secrets before the container starts.
      // The URI from the vault's name (public cloud DNS), known before the vault exists.
      ...(azure.secrets
        ? { secrets: { settings: azure.secrets, vaultUri: pulumi.interpolate`https://${released.vault.name}.vault.azure.net/`, releaseKeyName: released.plainKeyName, attestationAuthority: released.attestationAuthority } }
        : {}),
      ...(args.ingress.mode === "passthrough" ? { loadBalancerPoolId: ingress.backendPoolId } : { appGatewayPoolId: ingress.backendPoolId }),
      quarantined: args.quarantine !== undefined,
      tags,
    }, this);

    // Host agent (az-agent): the VMs' identity may post custom metrics against its scale set.
    azureAgentAccess(name, { scaleSetId: fleet.scaleSet.id, identityPrincipalId: identity.principalId }, this);

    const monitoring = azureMonitoring(name, {
      resourceGroupName,
      location: azure.location,
      mode: args.ingress.mode,
      scaleSetId: fleet.scaleSet.id,
      loadBalancerId: ingress.frontId,
      metricNamespace: azureMetricNamespace(name),
      alarms: args.alarms,
      jobTimeoutSeconds: args.proofServer.jobTimeoutSeconds,
      // The same per-environment retention as the AWS host logs, within a workspace's 30-730 days.
      logRetentionDays: ENVIRONMENTS[args.environment].logRetentionDays.azure,
      retainLogs: ENVIRONMENTS[args.environment].retainLogs,
      // Release-policy changes through the vault's data plane never reach the Activity Log.
      keyVaultId: released.vault.id,
      tags,
      ...(args.budget ? { budget: { settings: args.budget, resourceGroupId } } : {}),
    }, this);

    this.endpoint = ingress.endpoint;
    this.ipAddress = ingress.publicIp.ipAddress.apply((ip) => ip ?? "");
    this.resourceGroupName = resourceGroupName;
    this.scaleSetId = fleet.scaleSet.id;
    this.scaleSetName = fleet.scaleSet.name;
    this.loadBalancerId = ingress.frontId;
    this.identityPrincipalId = identity.principalId;
    if (gatewayIdentity) this.gatewayIdentityPrincipalId = gatewayIdentity.principalId;
    this.tenantId = client.tenantId;
    this.keyVaultUri = released.vaultUri;
    this.releaseKeyName = released.keyName;
    this.review = {
      environment: args.environment,
      ingressMode: args.ingress.mode,
      plaintext: plaintextExposure("azure", args.ingress),
      activeRelease: active.version,
      acceptedReleases: args.releases.map((r) => r.version),
      imageDigests: Object.fromEntries(args.releases.map((r) => [r.version, r.digest])),
      technology: azure.technology,
      attestationScope: AZURE_ATTESTATION_SCOPE,
      hostSecrets: azureHostSecrets(azure.secrets, released.plainKeyName, released.attestationAuthority),
      unobservableAlarms: monitoring.unobservable,
      ...quarantineReview(args.quarantine, "azure", args.ingress.mode),
    };
    this.registerOutputs({
      endpoint: this.endpoint,
      ipAddress: this.ipAddress,
      resourceGroupName: this.resourceGroupName,
      scaleSetId: this.scaleSetId,
      loadBalancerId: this.loadBalancerId,
      identityPrincipalId: this.identityPrincipalId,
      tenantId: this.tenantId,
      keyVaultUri: this.keyVaultUri,
      releaseKeyName: this.releaseKeyName,
    });
  }
}

/** One sentence for the plan and the README: what attestation on Azure does and does not cover. */
export const AZURE_ATTESTATION_SCOPE =
  "Azure attestation (MAA) proves the hardware, an Azure-compliant confidential VM and its boot, not the container it runs: anyone who can run code as root in the guest (Run Command, VM extensions, an SSH key) is inside the trust boundary and can read released keys and every request.";

/** The review's one sentence on what the hosts do for the server's secrets. */
export function azureHostSecrets(secrets: AzureStackConfig["azure"]["secrets"], keyName: string, authority: string): string {
  if (!secrets) return "none: the server gets no secrets from the host (no azure.secrets; the reference build needs none)";
  const what = [secrets.apiKey !== undefined ? "the API key" : undefined, secrets.tlsKey !== undefined ? "the TLS certificate and key" : undefined].filter((w) => w !== undefined).join(" and ");
  return `before the container starts, each VM downloads AzureAttestSKR (sha256 ${secrets.releaseTool.sha256.slice(0, 12)}...), attests with ${authority}, releases key ${keyName} as the scale set's identity and unwraps ${what} into tmpfs (/run/prover-secrets); if the release is refused after 8 attempts the container never starts. The API key passes through podman's container state on the OS disk.`;
}

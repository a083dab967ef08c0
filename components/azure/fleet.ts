import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { VirtualMachineScaleSet } from "@pulumi/azure-native/compute/virtualMachineScaleSet";
import { AutoscaleSetting } from "@pulumi/azure-native/monitor/autoscaleSetting";
import { encodeAzureCustomData, renderAzureCloudInit } from "../../src/bootstrap/azure";
import { AZURE_LIMITS } from "../../src/config/resolve-azure";
import type { AzureContainerRelease, AzureSettings } from "../../src/config/types";
import type { IngressSettings } from "../../src/ingress/model";
import { HEALTH_PATH, PROOF_SERVER_PORT } from "../../src/ingress/model";
import { SCALE_OUT_CPU_PERCENT } from "../../src/monitoring/catalogue";
import { azureComputerNamePrefix } from "../../src/naming";

// Sources of every setting here: docs/azure-facts.md.

/** Boot budget before automatic repairs may judge a VM: boot, image pull, proving parameters (PT10M-PT90M allowed). */
export const AZURE_REPAIR_GRACE_PERIOD = "PT30M";
/** The Application Health extension, v1: HTTP(S) 200 is healthy (v2 wants a JSON body the server does not send). */
export const AZURE_HEALTH_EXTENSION = { publisher: "Microsoft.ManagedServices", type: "ApplicationHealthLinux", typeHandlerVersion: "1.0" } as const;

/**
 * When no SSH key is configured: an ed25519 "public key" whose 32 bytes are a SHA-256 of a public
 * string. Azure requires a key once password login is disabled; nobody knows a private key for
 * these bytes, so nobody can log in with it.
 */
export const NO_LOGIN_SSH_KEY = (() => {
  const field = (b: Buffer) => { const len = Buffer.alloc(4); len.writeUInt32BE(b.length); return Buffer.concat([len, b]); };
  const point = createHash("sha256").update("tee-prover-infra: no SSH login on Azure confidential VMs").digest();
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from("ssh-ed25519")), field(point)]).toString("base64")} no-login`;
})();

/** How often the host agent samples: the metric alerts' finest grain is one minute. */
export const AZURE_AGENT_INTERVAL_SECONDS = 60;

/** The terminate notification's delay: the drain time in whole minutes, within 5-15. */
export function terminateNotBefore(drainSeconds: number): string {
  const { min, max } = AZURE_LIMITS.terminateNotificationMinutes;
  return `PT${Math.min(max, Math.max(min, Math.ceil(drainSeconds / 60)))}M`;
}

export interface AzureFleetInputs {
  readonly settings: AzureSettings;
  readonly release: AzureContainerRelease;
  readonly env: Readonly<Record<string, string>>;
  readonly ingress: IngressSettings;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly hostsSubnetId: pulumi.Input<string>;
  readonly hostsNsgId: pulumi.Input<string>;
  readonly identityId: pulumi.Input<string>;
  /** The same identity's client id: the host agent asks IMDS for a token as this identity. */
  readonly identityClientId: pulumi.Input<string>;
  /** The host agent's custom metrics namespace (what the alerts read). */
  readonly metricNamespace: string;
  /**
   * The TEE build's secrets (azure.secrets): where the hosts find the envelopes and which key and
   * authority they release with (src/bootstrap/azure-skr.ts). Absent: no secrets unit.
   */
  readonly secrets?: {
    readonly settings: NonNullable<AzureSettings["secrets"]>;
    /** `https://<vault>.vault.azure.net/`. */
    readonly vaultUri: pulumi.Input<string>;
    readonly releaseKeyName: string;
    readonly attestationAuthority: string;
  };
  /** passthrough: the Standard Load Balancer's backend pool. */
  readonly loadBalancerPoolId?: pulumi.Input<string>;
  /** terminate: the Application Gateway's backend pool. */
  readonly appGatewayPoolId?: pulumi.Input<string>;
  /** Quarantine (src/quarantine.ts): automatic repairs off, autoscale disabled. */
  readonly quarantined?: boolean;
  readonly tags: Record<string, string>;
}

export interface AzureFleet {
  readonly scaleSet: VirtualMachineScaleSet;
  readonly autoscale: AutoscaleSetting;
  /** The decoded custom data (cloud-config), for review and tests; it names the identity's client id, known once that exists. */
  readonly cloudInit: pulumi.Output<string>;
}

/**
 * A flexible scale set of confidential VMs (SEV-SNP or TDX): secure boot and vTPM, the VM guest
 * state encrypted (the only confidential disk encryption a scale set takes with platform images),
 * a confidential Ubuntu image, a user-assigned identity, no password, the Application Health
 * extension, rolling upgrades that surge before they remove, automatic repairs and a terminate
 * notification long enough to drain a proof.
 */
export function confidentialScaleSet(name: string, inputs: AzureFleetInputs, parent: pulumi.Resource): AzureFleet {
  const { settings, ingress, release } = inputs;
  const passthrough = ingress.mode === "passthrough";
  const secrets = inputs.secrets;
  const cloudInit = pulumi.all([inputs.identityClientId, secrets?.vaultUri ?? ""]).apply(([identityClientId, vaultUri]) => renderAzureCloudInit({
    image: release.image,
    servesTls: release.servesTls,
    port: PROOF_SERVER_PORT,
    env: inputs.env,
    // Approve the deletion a minute before the platform would, so the approval is ours.
    drainSeconds: Math.max(60, Math.min(ingress.drainTimeoutSeconds, AZURE_LIMITS.terminateNotificationMinutes.max * 60 - 60)),
    blockLoadBalancerProbes: passthrough,
    agent: { fleetName: name, metricNamespace: inputs.metricNamespace, identityClientId, intervalSeconds: AZURE_AGENT_INTERVAL_SECONDS },
    ...(secrets
      ? {
          secrets: {
            vaultUri,
            releaseKeyName: secrets.releaseKeyName,
            attestationAuthority: secrets.attestationAuthority,
            identityClientId,
            releaseTool: secrets.settings.releaseTool,
            ...(secrets.settings.apiKey !== undefined ? { apiKeySecret: secrets.settings.apiKey } : {}),
            ...(secrets.settings.tlsCertificate !== undefined ? { tlsCertificateSecret: secrets.settings.tlsCertificate } : {}),
            ...(secrets.settings.tlsKey !== undefined ? { tlsKeySecret: secrets.settings.tlsKey } : {}),
            containerUid: secrets.settings.containerUid,
          },
        }
      : {}),
  }));
  const user = settings.ssh?.adminUsername ?? "prover";
  // Passthrough: the TEE build's rate limiter shares one bucket between every client behind an L4
  // load balancer and the local probe (no X-Forwarded-For), so an HTTP probe of a busy server reads
  // 429 and automatic repairs would replace a VM that is only busy: the extension checks the port.
  // Terminate: clients come with X-Forwarded-For, and /health over the artifact's own protocol.
  const healthSettings = passthrough
    ? { protocol: "tcp", port: PROOF_SERVER_PORT }
    : { protocol: release.servesTls ? "https" : "http", port: PROOF_SERVER_PORT, requestPath: HEALTH_PATH, intervalInSeconds: 5, numberOfProbes: 2 };
  const scaleSet = new VirtualMachineScaleSet(`${name}-vmss`, {
    resourceGroupName: inputs.resourceGroupName,
    location: settings.location,
    orchestrationMode: "Flexible",
    platformFaultDomainCount: 1,
    singlePlacementGroup: false,
    sku: { name: settings.vmSize, tier: "Standard", capacity: settings.fleet.minSize },
    ...(settings.zones.length > 0 ? { zones: [...settings.zones], zoneBalance: settings.zones.length > 1 } : {}),
    identity: { type: "UserAssigned", userAssignedIdentities: [inputs.identityId] },
    upgradePolicy: {
      mode: "Rolling",
      rollingUpgradePolicy: {
        // New VMs first, old ones removed once the new are healthy: capacity never drops.
        maxSurge: true,
        maxBatchInstancePercent: 20,
        maxUnhealthyInstancePercent: 20,
        maxUnhealthyUpgradedInstancePercent: 20,
        pauseTimeBetweenBatches: "PT1M",
        prioritizeUnhealthyInstances: true,
        rollbackFailedInstancesOnPolicyBreach: true,
      },
    },
    // Quarantine: repairs off, so no VM judged unhealthy is replaced (or reimaged) with its disk.
    // In place: the policy is part of the scale set's update (PATCH) model, VirtualMachineScaleSetUpdate
    // (https://learn.microsoft.com/powershell/module/az.compute/Update-AzVmss, -EnableAutomaticRepair).
    automaticRepairsPolicy: { enabled: !inputs.quarantined, gracePeriod: AZURE_REPAIR_GRACE_PERIOD, repairAction: "Replace" },
    scaleInPolicy: { rules: ["Default"], forceDeletion: false },
    virtualMachineProfile: {
      securityProfile: { securityType: "ConfidentialVM", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
      storageProfile: {
        imageReference: { publisher: settings.image.publisher, offer: settings.image.offer, sku: settings.image.sku, version: settings.image.version },
        osDisk: {
          createOption: "FromImage",
          caching: "ReadWrite",
          diskSizeGB: settings.osDiskGb,
          deleteOption: "Delete",
          managedDisk: { storageAccountType: "Premium_LRS", securityProfile: { securityEncryptionType: "VMGuestStateOnly" } },
        },
      },
      osProfile: {
        computerNamePrefix: azureComputerNamePrefix(name),
        adminUsername: user,
        customData: cloudInit.apply(encodeAzureCustomData),
        linuxConfiguration: {
          disablePasswordAuthentication: true,
          provisionVMAgent: true,
          ssh: { publicKeys: [{ path: `/home/${user}/.ssh/authorized_keys`, keyData: settings.ssh?.publicKey ?? NO_LOGIN_SSH_KEY }] },
        },
      },
      networkProfile: {
        networkApiVersion: "2020-11-01",
        networkInterfaceConfigurations: [{
          name: `${name}-nic`,
          primary: true,
          // Confidential VM sizes do not support accelerated networking.
          enableAcceleratedNetworking: false,
          deleteOption: "Delete",
          networkSecurityGroup: { id: inputs.hostsNsgId },
          ipConfigurations: [{
            name: `${name}-ip`,
            primary: true,
            subnet: { id: inputs.hostsSubnetId },
            ...(inputs.loadBalancerPoolId ? { loadBalancerBackendAddressPools: [{ id: inputs.loadBalancerPoolId }] } : {}),
            ...(inputs.appGatewayPoolId ? { applicationGatewayBackendAddressPools: [{ id: inputs.appGatewayPoolId }] } : {}),
          }],
        }],
      },
      scheduledEventsProfile: { terminateNotificationProfile: { enable: true, notBeforeTimeout: terminateNotBefore(ingress.drainTimeoutSeconds) } },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      extensionProfile: {
        extensions: [{
          name: "application-health",
          ...AZURE_HEALTH_EXTENSION,
          autoUpgradeMinorVersion: true,
          settings: healthSettings,
        }],
      },
    },
    tags: { ...inputs.tags, "tee-prover-release": release.version },
  }, { parent, ignoreChanges: ["sku.capacity"] });

  const autoscale = new AutoscaleSetting(`${name}-autoscale`, {
    resourceGroupName: inputs.resourceGroupName,
    location: settings.location,
    targetResourceUri: scaleSet.id,
    // Quarantine: disabled, so the idle fleet behind the closed door is not scaled in.
    enabled: !inputs.quarantined,
    profiles: [{
      name: "cpu",
      capacity: { minimum: String(settings.fleet.minSize), maximum: String(settings.fleet.maxSize), default: String(settings.fleet.minSize) },
      rules: [
        {
          metricTrigger: { metricName: "Percentage CPU", metricResourceUri: scaleSet.id, timeGrain: "PT1M", statistic: "Average", timeWindow: "PT5M", timeAggregation: "Average", operator: "GreaterThan", threshold: SCALE_OUT_CPU_PERCENT },
          scaleAction: { direction: "Increase", type: "ChangeCount", value: "1", cooldown: "PT10M" },
        },
        {
          metricTrigger: { metricName: "Percentage CPU", metricResourceUri: scaleSet.id, timeGrain: "PT1M", statistic: "Average", timeWindow: "PT15M", timeAggregation: "Average", operator: "LessThan", threshold: 20 },
          scaleAction: { direction: "Decrease", type: "ChangeCount", value: "1", cooldown: "PT15M" },
        },
      ],
    }],
    tags: inputs.tags,
  }, { parent });
  return { scaleSet, autoscale, cloudInit };
}

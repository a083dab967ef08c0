import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/gcp/compute";
import type { ContainerRelease, GcpSettings } from "../../src/config/types";
import { PROOF_SERVER_PORT } from "../../src/ingress/model";
import { SCALE_OUT_CPU_PERCENT } from "../../src/monitoring/catalogue";
import { autoNamed, GCP_NAME_MAX } from "../../src/naming";
import { GCP_NAMED_PORT } from "./ingress";

/**
 * Boot budget before autohealing may judge an instance: Confidential Space boot, attestation,
 * image pull and the prefetch of proving parameters k=10-15.
 */
export const GCP_AUTOHEAL_INITIAL_DELAY_SECONDS = 600;

/** The Confidential Space launcher's metadata for a release (`tee-*` keys). */
export function confidentialSpaceMetadata(release: ContainerRelease, settings: GcpSettings, env: Readonly<Record<string, string>>): Record<string, string> {
  const metadata: Record<string, string> = {
    "tee-image-reference": release.image,
    "tee-restart-policy": settings.restartPolicy,
    "tee-container-log-redirect": String(settings.logRedirect),
  };
  // Only variables the image's launch policy allows reach this point (checked in config).
  for (const [key, value] of Object.entries(env)) metadata[`tee-env-${key}`] = value;
  return metadata;
}

export interface GcpFleetInputs {
  readonly settings: GcpSettings;
  readonly release: ContainerRelease;
  readonly env: Readonly<Record<string, string>>;
  readonly subnetwork: pulumi.Input<string>;
  readonly serviceAccountEmail: pulumi.Input<string>;
  readonly healthCheck: compute.HealthCheck;
  readonly targetTag: string;
  /** Quarantine (src/quarantine.ts): no autohealing, autoscaler off. */
  readonly quarantined?: boolean;
  readonly labels: Record<string, string>;
}

export interface GcpFleet {
  readonly template: compute.InstanceTemplate;
  readonly group: compute.RegionInstanceGroupManager;
  readonly autoscaler: compute.RegionAutoscaler;
}

/** Confidential VMs from the production Confidential Space image, in a regional MIG over >= 2 zones. */
export function confidentialFleet(name: string, inputs: GcpFleetInputs, parent: pulumi.Resource): GcpFleet {
  const opts = { parent };
  const { settings } = inputs;
  const template = new compute.InstanceTemplate(autoNamed(`${name}-tpl`, GCP_NAME_MAX), {
    project: settings.project,
    machineType: settings.machineType,
    confidentialInstanceConfig: { confidentialInstanceType: settings.confidentialInstanceType },
    // Confidential VMs cannot live-migrate.
    scheduling: { onHostMaintenance: "TERMINATE", automaticRestart: true },
    shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
    disks: [{
      boot: true,
      autoDelete: true,
      sourceImage: `projects/${settings.image.project}/global/images/family/${settings.image.family}`,
      diskSizeGb: settings.bootDiskGb,
      diskType: "pd-balanced",
    }],
    // No accessConfigs: no external IP; egress through Cloud NAT.
    networkInterfaces: [{ subnetwork: inputs.subnetwork }],
    serviceAccount: { email: inputs.serviceAccountEmail, scopes: ["https://www.googleapis.com/auth/cloud-platform"] },
    metadata: confidentialSpaceMetadata(inputs.release, settings, inputs.env),
    tags: [inputs.targetTag],
    labels: { ...inputs.labels, "tee-prover-release": inputs.release.version.toLowerCase().replace(/[^a-z0-9_-]/g, "-") },
  }, opts);
  const zones = settings.zones.length;
  const group = new compute.RegionInstanceGroupManager(autoNamed(`${name}-mig`, GCP_NAME_MAX), {
    project: settings.project,
    region: settings.region,
    baseInstanceName: autoNamed(`${name}-vm`, 58),
    distributionPolicyZones: [...settings.zones],
    versions: [{ name: inputs.release.version, instanceTemplate: template.selfLinkUnique }],
    namedPorts: [{ name: GCP_NAMED_PORT, port: PROOF_SERVER_PORT }],
    // The load balancer's handshake-only check (gcpHealthCheck): it sends no HTTP request, so a
    // rate-limited instance (429 on every route) is never recreated; a dead container still is.
    // Quarantine: no autohealing policy, so no instance is recreated (its boot disk with it). An
    // in-place update (auto_healing_policies has no ForceNew in hashicorp/terraform-provider-google's
    // region instance group manager); the instances, template and disks stay.
    ...(inputs.quarantined ? {} : { autoHealingPolicies: { healthCheck: inputs.healthCheck.id, initialDelaySec: GCP_AUTOHEAL_INITIAL_DELAY_SECONDS } }),
    // Surge first, never take an instance away before its replacement serves: a regional MIG
    // needs maxSurgeFixed >= the number of zones when maxUnavailable is 0.
    updatePolicy: {
      type: "PROACTIVE",
      minimalAction: "REPLACE",
      replacementMethod: "SUBSTITUTE",
      maxSurgeFixed: zones,
      maxUnavailableFixed: 0,
      minReadySec: 60,
      instanceRedistributionType: "PROACTIVE",
    },
  }, { parent, ignoreChanges: ["targetSize"] });
  const autoscaler = new compute.RegionAutoscaler(autoNamed(`${name}-scale`, GCP_NAME_MAX), {
    project: settings.project,
    region: settings.region,
    target: group.id,
    autoscalingPolicy: {
      minReplicas: settings.fleet.minSize,
      maxReplicas: settings.fleet.maxSize,
      cooldownPeriod: GCP_AUTOHEAL_INITIAL_DELAY_SECONDS,
      cpuUtilization: { target: SCALE_OUT_CPU_PERCENT / 100 },
      // Quarantine: OFF keeps the group at its size (no scale-in of the idle fleet); resuming drops
      // the key, and the provider's default is ON. Modes: https://cloud.google.com/compute/docs/autoscaler#autoscaling_modes
      ...(inputs.quarantined ? { mode: "OFF" } : {}),
    },
  }, opts);
  return { template, group, autoscaler };
}

import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/gcp/compute";
import * as projects from "@pulumi/gcp/projects";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import { renderGcpProberCloudInit } from "../../src/bootstrap/gcp-prober";
import { autoNamed, fitName, GCP_NAME_MAX } from "../../src/naming";

/** Prefix of the prober's custom metric types. */
export const GCP_PROBER_METRIC_PREFIX = "custom.googleapis.com/tee_prover";
/** Sampling interval; the queue-depth alarm's window is 5 minutes. */
export const GCP_PROBER_INTERVAL_SECONDS = 60;
/** Ubuntu minimal: small, runs cloud-init from the `user-data` metadata key. */
export const GCP_PROBER_IMAGE = "ubuntu-os-cloud/ubuntu-minimal-2404-lts-amd64";

export interface GcpProberInputs {
  readonly project: string;
  readonly region: string;
  readonly zone: string;
  readonly network: pulumi.Input<string>;
  readonly subnetwork: pulumi.Input<string>;
  readonly instanceGroupManagerName: pulumi.Output<string>;
  /** The instances' network tag the prober must reach on `port`. */
  readonly targetTag: string;
  readonly port: number;
  readonly serverTls: boolean;
  readonly labels: Record<string, string>;
}

/**
 * The host agent's stand-in on GCP: Confidential Space runs nothing beside the workload, so a small
 * ordinary VM polls every instance's /health and /ready (no key needed, no proof request seen) and
 * publishes the fleet's healthy count and queue depth as custom metrics.
 */
export function gcpFleetProber(name: string, inputs: GcpProberInputs, parent: pulumi.Resource): compute.Instance {
  const opts = { parent };
  const account = new serviceaccount.Account(`${name}-prober`, {
    project: inputs.project,
    accountId: fitName(`${name}-probe`, 30).replace(/-+$/, ""),
    displayName: `Fleet prober of ${name}`,
  }, opts);
  // Read the group's instances and their addresses; write metrics. Nothing else.
  for (const role of ["roles/compute.viewer", "roles/monitoring.metricWriter"]) {
    new projects.IAMMember(`${name}-prober-${role.split("/")[1]!.replace(/\./g, "-")}`, { project: inputs.project, role, member: pulumi.interpolate`serviceAccount:${account.email}` }, opts);
  }
  const sourceTag = `${name}-prober`.slice(0, GCP_NAME_MAX);
  new compute.Firewall(autoNamed(`${name}-prober-to-hosts`, GCP_NAME_MAX), {
    project: inputs.project,
    network: inputs.network,
    direction: "INGRESS",
    description: `The fleet prober of ${name} reads /health and /ready`,
    sourceTags: [sourceTag],
    targetTags: [inputs.targetTag],
    allows: [{ protocol: "tcp", ports: [String(inputs.port)] }],
  }, opts);
  const userData = inputs.instanceGroupManagerName.apply((instanceGroupManager) =>
    renderGcpProberCloudInit({
      fleetName: name,
      project: inputs.project,
      region: inputs.region,
      instanceGroupManager,
      port: inputs.port,
      serverTls: inputs.serverTls,
      metricPrefix: GCP_PROBER_METRIC_PREFIX,
      intervalSeconds: GCP_PROBER_INTERVAL_SECONDS,
    }),
  );
  return new compute.Instance(autoNamed(`${name}-prober`, GCP_NAME_MAX), {
    project: inputs.project,
    zone: inputs.zone,
    machineType: "e2-small",
    bootDisk: { initializeParams: { image: GCP_PROBER_IMAGE, size: 10 } },
    // No external IP: it reaches Google APIs through Private Google Access and packages through NAT.
    networkInterfaces: [{ subnetwork: inputs.subnetwork }],
    serviceAccount: { email: account.email, scopes: ["https://www.googleapis.com/auth/cloud-platform"] },
    shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
    metadata: { "user-data": userData, "enable-oslogin": "TRUE" },
    tags: [sourceTag],
    labels: inputs.labels,
    allowStoppingForUpdate: true,
  }, opts);
}

import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/gcp/compute";
import { MetricDescriptor } from "@pulumi/gcp/monitoring/metricDescriptor";
import * as projects from "@pulumi/gcp/projects";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import {
  GCP_PROBER_METRIC_LABEL,
  GCP_PROBER_METRIC_NAMES,
  GCP_PROBER_METRICS,
  gcpProberMetricType,
  renderGcpProberCloudInit,
  type GcpProberMetricName,
} from "../../src/bootstrap/gcp-prober";
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

/** A custom metric the prober writes: its full type and the resource that declares it. */
export interface GcpDeclaredMetric {
  readonly type: string;
  readonly descriptor: MetricDescriptor;
}

export type GcpProberMetrics = Readonly<Record<GcpProberMetricName, GcpDeclaredMetric>>;

/** What the descriptors say each metric is (shown in Metrics Explorer). */
const PROBER_METRIC_TEXT: Readonly<Record<GcpProberMetricName, { displayName: string; description: string }>> = {
  healthy_instances: { displayName: "Healthy instances", description: "RUNNING instances of the fleet whose /health answered 200, seen by the fleet prober." },
  probed_instances: { displayName: "Probed instances", description: "RUNNING instances of the fleet the prober probed in the sample." },
  jobs_pending_max: { displayName: "Largest jobsPending", description: "Largest jobsPending reported by /ready over the fleet's instances." },
  jobs_processing_total: { displayName: "Total jobsProcessing", description: "Sum of jobsProcessing reported by /ready over the fleet's instances." },
};

/**
 * The prober's custom metrics, declared before anything refers to them. Without a descriptor a
 * custom metric type exists only once the first point is written (auto-creation, see
 * https://cloud.google.com/monitoring/custom-metrics/creating-metrics#auto-creation), so an alert
 * policy created in the same run is refused with 404 "Cannot find metric(s)"; declaring the
 * descriptor and making the policy depend on it is the provider's own documented pattern (example
 * `monitoring_metric_descriptor_alert`; the provider polls after create until the descriptor is
 * visible, GoogleCloudPlatform/magic-modules mmv1/products/monitoring/MetricDescriptor.yaml).
 *
 * Kind, value type and labels are exactly what the script writes (GCP_PROBER_METRICS: GAUGE,
 * INT64, the one label `fleet`): a write whose kind or type differs from the descriptor, or that
 * carries an undeclared label, is refused. They are also what auto-creation would have made, so
 * declaring them over an existing auto-created descriptor changes nothing that matters.
 *
 * The types are shared by every fleet of the project (the fleet is a label), and
 * metricDescriptors.create updates a descriptor that already exists
 * (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.metricDescriptors/create), so a
 * second fleet's declaration is harmless. Deleting one would make every fleet's data of that type
 * unusable, so a destroy (or a replacement, which creates the same type before deleting the old
 * resource) leaves the descriptor in place: retainOnDelete.
 */
export function gcpProberMetricDescriptors(name: string, project: string, parent: pulumi.Resource): GcpProberMetrics {
  const entries = GCP_PROBER_METRIC_NAMES.map((metric): [GcpProberMetricName, GcpDeclaredMetric] => {
    const type = gcpProberMetricType(GCP_PROBER_METRIC_PREFIX, metric);
    const { metricKind, valueType } = GCP_PROBER_METRICS[metric];
    const descriptor = new MetricDescriptor(`${name}-metric-${metric.replace(/_/g, "-")}`, {
      project,
      type,
      metricKind,
      valueType,
      // No unit: a stack upgraded from the auto-created descriptor (unit unset) updates it in place.
      displayName: PROBER_METRIC_TEXT[metric].displayName,
      description: PROBER_METRIC_TEXT[metric].description,
      labels: [{ key: GCP_PROBER_METRIC_LABEL, valueType: "STRING", description: "Fleet name" }],
    }, { parent, retainOnDelete: true });
    return [metric, { type, descriptor }];
  });
  return Object.fromEntries(entries) as Record<GcpProberMetricName, GcpDeclaredMetric>;
}

/**
 * The host agent's stand-in on GCP: Confidential Space runs nothing beside the workload, so a small
 * ordinary VM polls every instance's /health and /ready (no key needed, no proof request seen) and
 * publishes the fleet's healthy count and queue depth as custom metrics.
 */
export function gcpFleetProber(name: string, inputs: GcpProberInputs, parent: pulumi.Resource): { instance: compute.Instance; metrics: GcpProberMetrics } {
  const opts = { parent };
  const metrics = gcpProberMetricDescriptors(name, inputs.project, parent);
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
  const instance = new compute.Instance(autoNamed(`${name}-prober`, GCP_NAME_MAX), {
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
    // Its first write must find the declared descriptors, not auto-create them.
  }, { ...opts, dependsOn: Object.values(metrics).map((m) => m.descriptor) });
  return { instance, metrics };
}

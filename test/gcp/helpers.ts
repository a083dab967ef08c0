import * as pulumi from "@pulumi/pulumi";
import type { GcpAlarmTargets } from "../../components/gcp/monitoring";
import type { AlarmSubscriptions } from "../../src/config/types";
import type { Severity } from "../../src/monitoring/catalogue";
import { runOffline, type PlannedResource } from "../../src/plan/engine";
import { withoutStackCapture } from "../../src/plan/lean-runtime";

/** Resource types gcpMonitoring declares. */
export const MONITORING_TYPES = {
  policy: "gcp:monitoring/alertPolicy:AlertPolicy",
  channel: "gcp:monitoring/notificationChannel:NotificationChannel",
  uptime: "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
  dashboard: "gcp:monitoring/dashboard:Dashboard",
  logMetric: "gcp:logging/metric:Metric",
  descriptor: "gcp:monitoring/metricDescriptor:MetricDescriptor",
} as const;

/** What gcpMonitoring returned, beyond its resources. */
export interface MonitoringSummary {
  readonly unobservable: Array<[string, string]>;
  readonly policyIds: string[];
  readonly channelCounts: Record<string, number>;
}

/**
 * Run gcpMonitoring alone under the mock runtime, under a parent `test:gcp:Parent::p` (once per
 * file). With `withProberMetrics` the prober's metric descriptors are declared first and passed in.
 */
export async function runGcpMonitoring(
  name: string,
  targets: GcpAlarmTargets,
  subscriptions: Record<Severity, AlarmSubscriptions>,
  labels: Record<string, string>,
  withProberMetrics = false,
): Promise<{ resources: PlannedResource[]; summary: MonitoringSummary }> {
  const run = await withoutStackCapture(() => runOffline({
    project: "tee-prover-infra",
    stack: "test",
    region: targets.region,
    gcpProject: targets.project,
    config: {},
    program: async () => {
      const { gcpMonitoring } = await import("../../components/gcp/monitoring");
      const parent = new pulumi.ComponentResource("test:gcp:Parent", "p");
      const { gcpProberMetricDescriptors } = await import("../../components/gcp/prober");
      const proberMetrics = withProberMetrics ? { proberMetrics: gcpProberMetricDescriptors(name, targets.project, parent) } : {};
      const m = gcpMonitoring(name, { ...targets, ...proberMetrics }, subscriptions, labels, parent);
      const summary: MonitoringSummary = {
        unobservable: m.unobservable.map((u) => [u.alarm.id, u.reason]),
        policyIds: Object.keys(m.policies),
        channelCounts: Object.fromEntries(Object.entries(m.channels).map(([sev, cs]) => [sev, cs.length])),
      };
      return { summary };
    },
  }));
  return { resources: run.resources, summary: run.outputs["summary"] as MonitoringSummary };
}

import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, test } from "vitest";
import { CONNECTIONS_NOT_REQUESTS, L4_BLIND, MEMORY_REASON, NO_POOL_REASON, QUEUE_DEPTH_REASON, type GcpAlarmTargets, NO_AUDIT_TARGETS, NO_HOST_ROLE_REASON } from "../../components/gcp/monitoring";
import type { AlarmSubscriptions } from "../../src/config/types";
import { ALARM_CATALOGUE, type Severity } from "../../src/monitoring/catalogue";
import { autoNamed, GCP_NAME_MAX, GCP_NAME_PATTERN } from "../../src/naming";
import type { PlannedResource } from "../../src/plan/engine";
import { firstUpProblems } from "./first-up";
import { MONITORING_TYPES, runGcpMonitoring, type MonitoringSummary } from "./helpers";

// passthrough mode with the defaults (no Workload Identity pool, no launcher memory monitoring) and
// a long fleet name: TLS ends in the TEE, so only the uptime check and Compute Engine metrics remain.

const NAME = "prover-staging-with-a-long-stack-name";
const PARENT = "test:gcp:Parent::p";
const T = MONITORING_TYPES;

const targets: GcpAlarmTargets = {
  mode: "passthrough",
  project: "tee-prj",
  region: "us-central1",
  fleetName: NAME,
  backendServiceName: pulumi.output("prover-staging-backend"),
  instanceGroupManagerName: pulumi.output("prover-staging-mig"),
  endpointHost: pulumi.output("203.0.113.7"),
  listenerPort: 8443,
};
const none: AlarmSubscriptions = { emails: [], httpsEndpoints: [] };
const subscriptions: Record<Severity, AlarmSubscriptions> = { P0: { emails: ["oncall@example.com"], httpsEndpoints: [] }, P1: none, P2: none, P3: none };

let resources: PlannedResource[];
let summary: MonitoringSummary;

beforeAll(async () => {
  ({ resources, summary } = await runGcpMonitoring(NAME, targets, subscriptions, {}));
});

const ofType = (type: string) => resources.filter((r) => r.type === type);
const logical = (suffix: string) => autoNamed(`${NAME}-${suffix}`, GCP_NAME_MAX);
const policy = (id: string) => {
  const name = logical(`${ALARM_CATALOGUE.find((a) => a.id === id)!.severity.toLowerCase()}-${id}`);
  const r = ofType(T.policy).find((p) => p.name === name);
  if (!r) throw new Error(`no policy ${name}`);
  return r;
};
interface Threshold { filter: string; denominatorFilter?: string; aggregations: Array<{ alignmentPeriod: string; perSeriesAligner: string; crossSeriesReducer?: string }>; comparison: string; thresholdValue: number; duration: string; evaluationMissingData: string }
const cond = (id: string) => (policy(id).inputs["conditions"] as Array<{ conditionThreshold: Threshold }>)[0]!.conditionThreshold;
const metricType = (filter: string) => /^metric\.type="([^"]+)"/.exec(filter)?.[1];

const OBSERVABLE = ["no-healthy-host", "tee-down", "cpu-high", "cpu-elevated", "tls-cert-expiring", "cpu-sustained"];

describe("what passthrough can and cannot see", () => {
  test("exactly these alarms are unobservable, each with its reason, in catalogue order", () => {
    expect(summary.unobservable).toEqual([
      ["attestation-failures", NO_POOL_REASON],
      ["no-proofs", `${L4_BLIND}; the server exposes no completed-proof counter outside the TEE`],
      ["error-rate-high", L4_BLIND],
      ["latency-p95-high", L4_BLIND],
      ["memory-high", MEMORY_REASON],
      ["queue-deep", QUEUE_DEPTH_REASON],
      ["error-rate-elevated", L4_BLIND],
      ["latency-p95-elevated", L4_BLIND],
      // No pool, secrets or network given to this bare run: nothing to match audit logs against.
      ["attestation-enforcement-changed", NO_AUDIT_TARGETS],
      ["host-role-changed", NO_HOST_ROLE_REASON],
      ["network-rules-changed", NO_AUDIT_TARGETS],
      ["traffic-anomaly", CONNECTIONS_NOT_REQUESTS],
    ]);
  });

  test("the other six are policies; none reads a load balancer metric and there are no log-based metrics", () => {
    expect(ofType(T.policy).map((p) => p.name).sort()).toEqual(OBSERVABLE.map((id) => policy(id).name).sort());
    for (const p of ofType(T.policy)) expect(JSON.stringify(p.inputs["conditions"])).not.toContain("loadbalancing.googleapis.com");
    expect(ofType(T.logMetric)).toEqual([]);
    // Built-in metrics only: nothing to declare, nothing to wait for.
    expect(firstUpProblems(resources)).toEqual([]);
    expect(resources.every((r) => r.dependsOn.length === 0)).toBe(true);
  });

  // [id, metric type, aligner, reducer, comparison, threshold, alignment, duration]
  test.each([
    ["no-healthy-host", "monitoring.googleapis.com/uptime_check/check_passed", "ALIGN_NEXT_OLDER", "REDUCE_COUNT_TRUE", "COMPARISON_LT", 1, "60s", "180s"],
    ["tee-down", "compute.googleapis.com/instance/uptime", "ALIGN_RATE", "REDUCE_SUM", "COMPARISON_LT", 1, "60s", "120s"],
    ["cpu-high", "compute.googleapis.com/instance/cpu/utilization", "ALIGN_MEAN", "REDUCE_MEAN", "COMPARISON_GT", 0.9, "300s", "600s"],
    ["cpu-elevated", "compute.googleapis.com/instance/cpu/utilization", "ALIGN_MEAN", "REDUCE_MEAN", "COMPARISON_GT", 0.85, "300s", "1800s"],
    ["tls-cert-expiring", "monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires", "ALIGN_NEXT_OLDER", "REDUCE_MIN", "COMPARISON_LT", 14, "3600s", "3600s"],
    ["cpu-sustained", "compute.googleapis.com/instance/cpu/utilization", "ALIGN_MEAN", "REDUCE_MEAN", "COMPARISON_GT", 0.8, "300s", "3600s"],
  ] as const)("%s: %s %s %s, %s %s, alignment %s, duration %s", (id, metric, aligner, reducer, comparison, threshold, alignment, duration) => {
    const c = cond(id);
    expect(metricType(c.filter)).toBe(metric);
    expect(c.aggregations).toEqual([{ alignmentPeriod: alignment, perSeriesAligner: aligner, crossSeriesReducer: reducer }]);
    expect([c.comparison, c.thresholdValue, c.duration]).toEqual([comparison, threshold, duration]);
    expect(c.denominatorFilter).toBeUndefined();
    expect(policy(id).inputs["severity"]).toBe({ P0: "CRITICAL", P1: "ERROR", P2: "WARNING", P3: "WARNING" }[ALARM_CATALOGUE.find((a) => a.id === id)!.severity]);
  });

  test("the TLS alarm reads the TEE's own certificate through the uptime check on the LB address", () => {
    expect(cond("tls-cert-expiring").filter).toBe('metric.type="monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires" AND resource.type="uptime_url" AND resource.label.project_id="tee-prj" AND resource.label.host="203.0.113.7"');
    expect(cond("tee-down").filter).toBe('metric.type="compute.googleapis.com/instance/uptime" AND resource.type="gce_instance" AND resource.label.project_id="tee-prj" AND metadata.system_labels.instance_group="prover-staging-mig"');
    expect(cond("tee-down").evaluationMissingData).toBe("EVALUATION_MISSING_DATA_ACTIVE");
  });
});

describe("channels and uptime check", () => {
  test("only P0 has a subscriber; the other severities' policies exist without channels and say so", () => {
    expect(summary.channelCounts).toEqual({ P0: 1, P1: 0, P2: 0, P3: 0 });
    const [email] = ofType(T.channel);
    expect([email!.inputs["type"], email!.inputs["labels"]]).toEqual(["email", { email_address: "oncall@example.com" }]);
    for (const id of OBSERVABLE) {
      const p = policy(id);
      const p0 = ALARM_CATALOGUE.find((a) => a.id === id)!.severity === "P0";
      expect(p.inputs["notificationChannels"]).toEqual(p0 ? [email!.id] : []);
      expect((p.inputs["documentation"] as { content: string }).content.includes("no notification channel is configured")).toBe(!p0);
    }
  });

  test("HTTPS /health on the listener port; the TEE's self-signed certificate is not validated", () => {
    const [u] = ofType(T.uptime);
    expect(u!.inputs["httpCheck"]).toEqual({ requestMethod: "GET", path: "/health", port: 8443, useSsl: true, validateSsl: false, acceptedResponseStatusCodes: [{ statusValue: 200 }, { statusValue: 429 }] });
    expect(u!.inputs["monitoredResource"]).toEqual({ type: "uptime_url", labels: { project_id: "tee-prj", host: "203.0.113.7" } });
    expect([u!.inputs["period"], u!.inputs["timeout"]]).toEqual(["60s", "10s"]);
  });

  test("dashboard: one chart per policy", () => {
    const d = JSON.parse(ofType(T.dashboard)[0]!.inputs["dashboardJson"] as string) as { mosaicLayout: { tiles: Array<{ widget: { title: string } }> } };
    expect(d.mosaicLayout.tiles.map((t) => t.widget.title)).toEqual(ALARM_CATALOGUE.filter((a) => OBSERVABLE.includes(a.id)).map((a) => `[${a.severity}] ${a.description}`));
  });
});

test("long names are fitted: logical names <= 55 characters, valid GCP names, unique, all parented", () => {
  const children = resources.filter((r) => r.type !== "test:gcp:Parent");
  expect(children).toHaveLength(6 + 1 + 1 + 1);
  // "<name>-p2-tls-cert-expiring" is 58 characters: cut and given a hash of the full name.
  const fitted = policy("tls-cert-expiring").name;
  expect(`${NAME}-p2-tls-cert-expiring`.length).toBeGreaterThan(55);
  expect(fitted).toMatch(new RegExp(`^${NAME}-p2-tls-[a-z-]*-[0-9a-f]{6}$`));
  expect(fitted).toHaveLength(55);
  for (const r of children) {
    expect(r.name.length).toBeLessThanOrEqual(55);
    expect(r.name).toMatch(GCP_NAME_PATTERN);
    expect(r.parent).toBe(PARENT);
  }
  const keys = resources.map((r) => `${r.type}::${r.name}`);
  expect(new Set(keys).size).toBe(keys.length);
});

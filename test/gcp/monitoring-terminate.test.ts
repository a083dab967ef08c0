import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, test } from "vitest";
import { ATTESTATION_LOG_MATCH, AUDIT_LOG_MATCH, NO_HOST_ROLE_REASON, trafficAnomalyQuery, type GcpAlarmTargets } from "../../components/gcp/monitoring";
import type { AlarmSubscriptions } from "../../src/config/types";
import { ALARM_CATALOGUE, type Severity } from "../../src/monitoring/catalogue";
import { autoNamed, GCP_NAME_MAX, GCP_NAME_PATTERN } from "../../src/naming";
import type { PlannedResource } from "../../src/plan/engine";
import { gcpUptimeProbe, verdicts } from "../helpers/health-check-eval";
import { matchesFilter } from "../helpers/logging-filter";
import { firstUpProblems } from "./first-up";
import { MONITORING_TYPES, runGcpMonitoring, type MonitoringSummary } from "./helpers";

// terminate mode, every optional source configured (the prober's metrics declared): every alarm becomes a policy.

const NAME = "prover-prod";
const PARENT = "test:gcp:Parent::p";
const T = MONITORING_TYPES;
const SECRET = { sig: "4dabf18193072939515e22adb298388d", secret: "1b47061264138c4ac30d75fd1eb44270" };
const HOOK_P0 = "https://hooks.example.com/p0?token=s3cr3t-p0";
const HOOK_P3 = "https://hooks.example.com/p3?token=s3cr3t-p3";

const targets: GcpAlarmTargets = {
  mode: "terminate",
  project: "tee-prj",
  region: "europe-west4",
  fleetName: NAME,
  backendServiceName: pulumi.output("prover-prod-backend"),
  urlMapName: pulumi.output("prover-prod-urls"),
  instanceGroupManagerName: pulumi.output("prover-prod-mig"),
  endpointHost: pulumi.output("prover.example.com"),
  listenerPort: 443,
  workloadIdentityPoolId: "prover-prod-pool",
  memoryMonitoring: true,
  audit: {
    workloadIdentityPoolId: pulumi.output("prover-prod-pool"),
    secretIds: [pulumi.output("prover-prod-api-keys"), "prover-prod-tls-key"],
    network: pulumi.output("projects/tee-prj/global/networks/prover-prod-vpc"),
  },
};
/** Every catalogue entry but the host role, which Confidential Space does not have. */
const OBSERVED = ALARM_CATALOGUE.filter((a) => a.id !== "host-role-changed");
const none: AlarmSubscriptions = { emails: [], httpsEndpoints: [] };
const subscriptions: Record<Severity, AlarmSubscriptions> = {
  P0: { emails: ["oncall@example.com", "lead@example.com"], httpsEndpoints: [HOOK_P0] },
  P1: { emails: ["oncall@example.com"], httpsEndpoints: [] },
  P2: none,
  P3: { emails: [], httpsEndpoints: [HOOK_P3] },
};

let resources: PlannedResource[];
let summary: MonitoringSummary;

beforeAll(async () => {
  ({ resources, summary } = await runGcpMonitoring(NAME, targets, subscriptions, { environment: "prod" }, true));
});

const ofType = (type: string) => resources.filter((r) => r.type === type);
const byName = (type: string, name: string) => {
  const r = ofType(type).find((x) => x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; have ${ofType(type).map((x) => x.name).join(", ")}`);
  return r;
};
const logical = (suffix: string) => autoNamed(`${NAME}-${suffix}`, GCP_NAME_MAX);
const policy = (id: string) => byName(T.policy, logical(`${ALARM_CATALOGUE.find((a) => a.id === id)!.severity.toLowerCase()}-${id}`));
const channelIds = (sev: string) => ofType(T.channel).filter((c) => c.name.startsWith(`${NAME}-${sev}-`)).map((c) => c.id);

interface Agg { alignmentPeriod: string; perSeriesAligner: string; crossSeriesReducer?: string; groupByFields?: string[] }
interface Condition {
  displayName: string;
  conditionThreshold?: { filter: string; aggregations: Agg[]; denominatorFilter?: string; denominatorAggregations?: Agg[]; comparison: string; thresholdValue: number; duration: string; evaluationMissingData: string; trigger: { count: number } };
  conditionPrometheusQueryLanguage?: { query: string; duration: string; evaluationInterval: string };
  conditionMatchedLog?: { filter: string };
}
const condition = (id: string): Condition => {
  const conditions = policy(id).inputs["conditions"] as Condition[];
  expect(conditions).toHaveLength(1);
  return conditions[0]!;
};
const metricType = (filter: string) => /^metric\.type="([^"]+)"/.exec(filter)?.[1];

// [id, metric type, denominator metric type, aligner, reducer, comparison, threshold, alignment, duration, missing data]
const thresholdPolicies: Array<[string, string, string | null, string, string, string, number, string, string, string]> = [
  ["no-healthy-host", "monitoring.googleapis.com/uptime_check/check_passed", null, "ALIGN_NEXT_OLDER", "REDUCE_COUNT_TRUE", "COMPARISON_LT", 1, "60s", "180s", "EVALUATION_MISSING_DATA_ACTIVE"],
  ["tee-down", "compute.googleapis.com/instance/uptime", null, "ALIGN_RATE", "REDUCE_SUM", "COMPARISON_LT", 1, "60s", "120s", "EVALUATION_MISSING_DATA_ACTIVE"],
  ["error-rate-high", "loadbalancing.googleapis.com/https/request_count", "loadbalancing.googleapis.com/https/request_count", "ALIGN_DELTA", "REDUCE_SUM", "COMPARISON_GT", 0.01, "300s", "900s", "EVALUATION_MISSING_DATA_INACTIVE"],
  ["latency-p95-high", "loadbalancing.googleapis.com/https/backend_latencies", null, "ALIGN_DELTA", "REDUCE_PERCENTILE_95", "COMPARISON_GT", 60000, "300s", "900s", "EVALUATION_MISSING_DATA_INACTIVE"],
  ["cpu-high", "compute.googleapis.com/instance/cpu/utilization", null, "ALIGN_MEAN", "REDUCE_MEAN", "COMPARISON_GT", 0.9, "300s", "600s", "EVALUATION_MISSING_DATA_INACTIVE"],
  ["memory-high", "compute.googleapis.com/guest/memory/bytes_used", "compute.googleapis.com/guest/memory/bytes_used", "ALIGN_MEAN", "REDUCE_SUM", "COMPARISON_GT", 0.95, "300s", "300s", "EVALUATION_MISSING_DATA_INACTIVE"],
  ["queue-deep", "custom.googleapis.com/tee_prover/jobs_pending_max", null, "ALIGN_MAX", "REDUCE_MAX", "COMPARISON_GT", 100, "300s", "300s", "EVALUATION_MISSING_DATA_INACTIVE"],
  ["error-rate-elevated", "loadbalancing.googleapis.com/https/request_count", "loadbalancing.googleapis.com/https/request_count", "ALIGN_DELTA", "REDUCE_SUM", "COMPARISON_GT", 0.005, "300s", "900s", "EVALUATION_MISSING_DATA_INACTIVE"],
  ["latency-p95-elevated", "loadbalancing.googleapis.com/https/backend_latencies", null, "ALIGN_DELTA", "REDUCE_PERCENTILE_95", "COMPARISON_GT", 45000, "300s", "900s", "EVALUATION_MISSING_DATA_INACTIVE"],
  ["cpu-elevated", "compute.googleapis.com/instance/cpu/utilization", null, "ALIGN_MEAN", "REDUCE_MEAN", "COMPARISON_GT", 0.85, "300s", "1800s", "EVALUATION_MISSING_DATA_INACTIVE"],
  ["tls-cert-expiring", "monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires", null, "ALIGN_NEXT_OLDER", "REDUCE_MIN", "COMPARISON_LT", 14, "3600s", "3600s", "EVALUATION_MISSING_DATA_INACTIVE"],
  ["cpu-sustained", "compute.googleapis.com/instance/cpu/utilization", null, "ALIGN_MEAN", "REDUCE_MEAN", "COMPARISON_GT", 0.8, "300s", "3600s", "EVALUATION_MISSING_DATA_INACTIVE"],
];

describe("alert policies (terminate)", () => {
  test("17 policies, one per alarm; only the host role (none on Confidential Space) is unobservable", () => {
    expect(ofType(T.policy)).toHaveLength(17);
    expect(summary.policyIds).toEqual(OBSERVED.map((a) => a.id));
    expect(summary.unobservable).toEqual([["host-role-changed", NO_HOST_ROLE_REASON]]);
  });

  test("attestation enforcement changed: a P0 log match on this pool's writes and this stack's secrets' IAM, rate-limited", () => {
    expect(condition("attestation-enforcement-changed")).toEqual({
      displayName: ALARM_CATALOGUE.find((a) => a.id === "attestation-enforcement-changed")!.description,
      conditionMatchedLog: {
        filter:
          '(protoPayload.methodName=~"^google.iam.v1(beta)?.WorkloadIdentityPools.((Create|Update|Delete|Undelete)WorkloadIdentityPool(Provider)?|SetIamPolicy)$" AND protoPayload.resourceName=~"/workloadIdentityPools/prover-prod-pool(/|$)")' +
          ' OR (protoPayload.methodName="google.cloud.secretmanager.v1.SecretManagerService.SetIamPolicy" AND protoPayload.resourceName=~"/secrets/(prover-prod-api-keys|prover-prod-tls-key)$")',
      },
    });
    const p = policy("attestation-enforcement-changed");
    expect(p.inputs["severity"]).toBe("CRITICAL");
    expect(p.inputs["alertStrategy"]).toEqual({ notificationRateLimit: { period: "300s" }, autoClose: "1800s" });
    expect((p.inputs["documentation"] as { content: string }).content).toContain(`**Evaluation:** ${AUDIT_LOG_MATCH}`);
  });

  test("network rules changed: a P3 log match on firewall writes on this network or to this fleet's rules", () => {
    expect(condition("network-rules-changed").conditionMatchedLog).toEqual({
      filter: 'protoPayload.methodName=~"^(v1|beta).compute.firewalls.(insert|patch|update|delete)$" AND (protoPayload.request.network=~"/networks/prover-prod-vpc$" OR protoPayload.resourceName=~"/firewalls/prover-prod-")',
    });
    expect(policy("network-rules-changed").inputs["severity"]).toBe("WARNING");
    expect(policy("network-rules-changed").inputs["alertStrategy"]).toEqual({ notificationRateLimit: { period: "300s" }, autoClose: "1800s" });
  });

  test("attestation failures: a log match on failed STS exchanges for the pool, rate-limited as Google requires", () => {
    expect(condition("attestation-failures")).toEqual({
      displayName: "Attestation failure rate above 1%",
      conditionMatchedLog: {
        filter: 'protoPayload.serviceName="sts.googleapis.com" AND protoPayload.methodName:"SecurityTokenService.ExchangeToken" AND protoPayload.resourceName:"/workloadIdentityPools/prover-prod-pool/providers/" AND protoPayload.status.code>0',
      },
    });
    expect(policy("attestation-failures").inputs["alertStrategy"]).toEqual({ notificationRateLimit: { period: "300s" }, autoClose: "1800s" });
    expect((policy("attestation-failures").inputs["documentation"] as { content: string }).content).toContain(`**Evaluation:** ${ATTESTATION_LOG_MATCH}`);
    // Metric policies have no alert strategy (the rate limit applies to log-based policies only).
    expect(policy("tee-down").inputs["alertStrategy"]).toBeUndefined();
  });

  test.each(thresholdPolicies)("%s: %s (/ %s) %s %s, %s %s, alignment %s, duration %s, %s", (id, metric, denominator, aligner, reducer, comparison, threshold, alignment, duration, missing) => {
    const c = condition(id).conditionThreshold!;
    expect(metricType(c.filter)).toBe(metric);
    expect(c.comparison).toBe(comparison);
    expect(c.thresholdValue).toBe(threshold);
    expect(c.duration).toBe(duration);
    expect(c.evaluationMissingData).toBe(missing);
    expect(c.trigger).toEqual({ count: 1 });
    expect(c.aggregations).toHaveLength(1);
    expect(c.aggregations[0]).toMatchObject({ alignmentPeriod: alignment, perSeriesAligner: aligner, crossSeriesReducer: reducer });
    if (denominator) {
      expect(metricType(c.denominatorFilter!)).toBe(denominator);
      expect(c.denominatorAggregations).toEqual(c.aggregations);
    } else {
      expect(c.denominatorFilter).toBeUndefined();
    }
  });

  test("filters point at this fleet's URL map, backend, instance group and endpoint", () => {
    const lb = 'resource.type="https_lb_rule" AND resource.label.url_map_name="prover-prod-urls"';
    expect(condition("error-rate-high").conditionThreshold!.filter).toBe(`metric.type="loadbalancing.googleapis.com/https/request_count" AND ${lb} AND metric.label.response_code_class=500`);
    expect(condition("error-rate-high").conditionThreshold!.denominatorFilter).toBe(`metric.type="loadbalancing.googleapis.com/https/request_count" AND ${lb}`);
    expect(condition("latency-p95-high").conditionThreshold!.filter).toContain('resource.label.backend_target_name="prover-prod-backend" AND resource.label.matched_url_path_rule=one_of("/prove", "/prove/", "/prove/*")');
    for (const id of ["tee-down", "cpu-high", "memory-high"]) expect(condition(id).conditionThreshold!.filter).toContain('resource.type="gce_instance" AND resource.label.project_id="tee-prj" AND metadata.system_labels.instance_group="prover-prod-mig"');
    for (const id of ["no-healthy-host", "tls-cert-expiring"]) expect(condition(id).conditionThreshold!.filter).toContain('resource.type="uptime_url" AND resource.label.project_id="tee-prj" AND resource.label.host="prover.example.com"');
    expect(condition("memory-high").conditionThreshold!.filter).toMatch(/ AND metric\.label\.state="used"$/);
    expect(condition("memory-high").conditionThreshold!.aggregations[0]!.groupByFields).toEqual(["resource.label.instance_id"]);
  });

  test("no-proofs: PromQL over the /prove path rule, window = period, duration = period", () => {
    const c = condition("no-proofs");
    expect(c.conditionThreshold).toBeUndefined();
    const q = c.conditionPrometheusQueryLanguage!;
    expect(q.duration).toBe("300s");
    expect(q.evaluationInterval).toBe("60s");
    expect(q.query).toContain('loadbalancing_googleapis_com:https_request_count{monitored_resource="https_lb_rule",url_map_name="prover-prod-urls",matched_url_path_rule=~"/prove(/.*)?"');
    expect(q.query).toMatch(/^\(sum\(increase\(.*\[300s\]\)\) unless \(sum\(increase\(.*response_code_class="200"\}\[300s\]\)\) > 0\)\) > 0$/);
  });

  test("traffic anomaly: PromQL, the last 5 minutes' requests over the same 5 minutes a week earlier, outside 1/3..3 for 15 minutes, P3", () => {
    const c = condition("traffic-anomaly");
    expect(c.conditionThreshold).toBeUndefined();
    const q = c.conditionPrometheusQueryLanguage!;
    expect([q.duration, q.evaluationInterval]).toEqual(["900s", "60s"]);
    const sel = 'loadbalancing_googleapis_com:https_request_count{monitored_resource="https_lb_rule",url_map_name="prover-prod-urls"}';
    // A window without requests is 0 (the drop); a baseline under 10 requests is not judged.
    const ratio = `((sum(increase(${sel}[300s])) or vector(0)) / (sum(increase(${sel}[300s] offset 1w)) >= 10))`;
    expect(q.query).toBe(`(${ratio} < ${1 / 3}) or (${ratio} > 3)`);
    expect(q.query).toBe(trafficAnomalyQuery("prover-prod-urls", 300, 3));
    const p = policy("traffic-anomaly");
    expect(p.inputs["severity"]).toBe("WARNING");
    expect(p.inputs["notificationChannels"]).toEqual(channelIds("p3"));
  });

  test("every policy: OR of one condition, severity, markdown documentation naming fleet and severity", () => {
    for (const spec of OBSERVED) {
      const p = policy(spec.id);
      expect(p.inputs["combiner"]).toBe("OR");
      expect(p.inputs["severity"]).toBe({ P0: "CRITICAL", P1: "ERROR", P2: "WARNING", P3: "WARNING" }[spec.severity]);
      expect(p.inputs["project"]).toBe("tee-prj");
      expect(p.inputs["displayName"]).toBe(`[${spec.severity}] ${spec.description} (prover-prod)`);
      const doc = p.inputs["documentation"] as { mimeType: string; content: string; subject: string };
      expect(doc.mimeType).toBe("text/markdown");
      expect(doc.content).toContain(`**Severity:** ${spec.severity}`);
      expect(doc.content).toContain(spec.description);
      expect(doc.content).toContain("**Fleet:** prover-prod");
      expect(p.inputs["userLabels"]).toEqual({ environment: "prod", severity: spec.severity.toLowerCase(), alarm: spec.id });
      expect(p.parent).toBe(PARENT);
    }
  });
});

describe("notification channels", () => {
  test("each policy notifies exactly its severity's channels; P2 has none and says so", () => {
    expect(channelIds("p0")).toHaveLength(3);
    expect(channelIds("p1")).toHaveLength(1);
    expect(channelIds("p2")).toEqual([]);
    expect(channelIds("p3")).toHaveLength(1);
    for (const spec of OBSERVED) {
      const p = policy(spec.id);
      expect(p.inputs["notificationChannels"]).toEqual(channelIds(spec.severity.toLowerCase()));
      const doc = (p.inputs["documentation"] as { content: string }).content;
      expect(doc.includes("**No subscriber:**")).toBe(spec.severity === "P2");
    }
  });

  test("emails are plain email channels", () => {
    const emails = ofType(T.channel).filter((c) => c.inputs["type"] === "email").map((c) => [c.name, c.inputs["labels"]]);
    expect(emails).toEqual([
      [`${NAME}-p0-email-0`, { email_address: "oncall@example.com" }],
      [`${NAME}-p0-email-1`, { email_address: "lead@example.com" }],
      [`${NAME}-p1-email-0`, { email_address: "oncall@example.com" }],
    ]);
  });

  test("webhook URLs carry tokens: their labels are a secret, and the URL appears nowhere in plain text", () => {
    const hooks = ofType(T.channel).filter((c) => c.inputs["type"] === "webhook_tokenauth");
    expect(hooks.map((c) => [c.name, c.inputs["labels"]])).toEqual([
      [`${NAME}-p0-webhook-0`, { [SECRET.sig]: SECRET.secret, value: { url: HOOK_P0 } }],
      [`${NAME}-p3-webhook-0`, { [SECRET.sig]: SECRET.secret, value: { url: HOOK_P3 } }],
    ]);
    const plain = (v: unknown): string[] =>
      v && typeof v === "object"
        ? (v as Record<string, unknown>)[SECRET.sig] === SECRET.secret ? [] : Object.values(v as object).flatMap(plain)
        : typeof v === "string" ? [v] : [];
    const strings = resources.flatMap((r) => plain(r.inputs));
    expect(strings.some((s) => s.includes("s3cr3t"))).toBe(false);
  });
});

describe("uptime check, declared metrics, dashboard", () => {
  test("HTTPS GET /health on the endpoint, every 60 s, 10 s timeout, certificate validated in terminate mode", () => {
    const checks = ofType(T.uptime);
    expect(checks).toHaveLength(1);
    const u = checks[0]!;
    expect(u.name).toBe(`${NAME}-health`);
    expect(u.inputs["period"]).toBe("60s");
    expect(u.inputs["timeout"]).toBe("10s");
    expect(u.inputs["monitoredResource"]).toEqual({ type: "uptime_url", labels: { project_id: "tee-prj", host: "prover.example.com" } });
    expect(u.inputs["httpCheck"]).toEqual({ requestMethod: "GET", path: "/health", port: 443, useSsl: true, validateSsl: true, acceptedResponseStatusCodes: [{ statusValue: 200 }, { statusValue: 429 }] });
  });

  test("a busy (rate-limited, 429) server passes the uptime check; a dead or silent one fails it", async () => {
    // The server's limiter counts /health too: a fleet under a burst must not page "no healthy host".
    const u = ofType(T.uptime)[0]!;
    const check = { ...(u.inputs["httpCheck"] as Record<string, unknown>), validateSsl: false };
    expect(await verdicts((t) => gcpUptimeProbe(check, t), true)).toEqual({ ok: "healthy", rateLimited: "healthy", closed: "unhealthy", silent: "unhealthy", acceptThenClose: "unhealthy" });
  });

  test("no log-based metric; the queue-depth policy depends on the declared jobs_pending_max descriptor", () => {
    expect(ofType(T.logMetric)).toEqual([]);
    const jobs = ofType(T.descriptor).find((d) => d.inputs["type"] === "custom.googleapis.com/tee_prover/jobs_pending_max")!;
    expect(policy("queue-deep").dependsOn).toEqual([`${T.descriptor}::${jobs.name}`]);
    expect(OBSERVED.filter((a) => a.id !== "queue-deep").every((a) => policy(a.id).dependsOn.length === 0)).toBe(true);
    expect(condition("queue-deep").conditionThreshold!.filter).toBe('metric.type="custom.googleapis.com/tee_prover/jobs_pending_max" AND resource.type="generic_node" AND resource.label.project_id="tee-prj" AND metric.label.fleet="prover-prod"');
  });

  test("every policy can be created in the first pulumi up", () => {
    expect(firstUpProblems(resources)).toEqual([]);
  });

  test("dashboard: one chart per policy, each with the policy's own query", () => {
    const d = JSON.parse(ofType(T.dashboard)[0]!.inputs["dashboardJson"] as string) as {
      displayName: string;
      mosaicLayout: { columns: number; tiles: Array<{ width: number; widget: { title: string; logsPanel?: { filter: string; resourceNames: string[] }; xyChart: { dataSets: Array<{ timeSeriesQuery: Record<string, { filter?: string; numerator?: { filter: string } } | string> }>; thresholds?: Array<{ value: number }> } } }> };
    };
    expect(d.displayName).toBe("tee-prover prover-prod");
    const tiles = d.mosaicLayout.tiles;
    expect(tiles.map((t) => t.widget.title)).toEqual(OBSERVED.map((a) => `[${a.severity}] ${a.description}`));
    expect(tiles.every((t) => t.width <= d.mosaicLayout.columns)).toBe(true);
    const tile = (id: string) => tiles.find((t) => t.widget.title.endsWith(ALARM_CATALOGUE.find((a) => a.id === id)!.description))!.widget.xyChart;
    expect((tile("cpu-high").dataSets[0]!.timeSeriesQuery["timeSeriesFilter"] as { filter: string }).filter).toBe(condition("cpu-high").conditionThreshold!.filter);
    expect((tile("error-rate-high").dataSets[0]!.timeSeriesQuery["timeSeriesFilterRatio"] as { numerator: { filter: string } }).numerator.filter).toBe(condition("error-rate-high").conditionThreshold!.filter);
    expect(tile("no-proofs").dataSets[0]!.timeSeriesQuery["prometheusQuery"]).toBe(condition("no-proofs").conditionPrometheusQueryLanguage!.query);
    expect(tile("latency-p95-high").thresholds).toEqual([{ value: 60000, label: "above 60" }]);
    // Attestation failures: the matching log entries themselves (no log-based metric to chart).
    expect(tiles.find((t) => t.widget.title === "[P0] Attestation failure rate above 1%")!.widget.logsPanel).toEqual({ filter: condition("attestation-failures").conditionMatchedLog!.filter, resourceNames: ["projects/tee-prj"] });
    expect(ofType(T.dashboard)[0]!.dependsOn).toEqual([`${T.descriptor}::${ofType(T.descriptor).find((d) => d.inputs["type"] === "custom.googleapis.com/tee_prover/jobs_pending_max")!.name}`]);
  });

  test("every child is parented, uniquely named, and its logical name leaves room for auto-naming", () => {
    const children = resources.filter((r) => r.type !== "test:gcp:Parent");
    // 17 policies, 5 channels, the uptime check, the dashboard, the prober's 4 metric descriptors
    expect(children.length).toBe(17 + 5 + 1 + 1 + 4);
    expect(children.every((r) => r.parent === PARENT)).toBe(true);
    const keys = resources.map((r) => `${r.type}::${r.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of children) {
      expect(r.name.length).toBeLessThanOrEqual(55);
      expect(r.name).toMatch(GCP_NAME_PATTERN);
    }
  });
});

/**
 * Issue 13, tamper detection: the log-match filters the policies carry (read from the mock runtime)
 * against audit log entries shaped as Cloud Audit Logs writes them ("Understanding audit logs":
 * protoPayload is an AuditLog with serviceName, methodName, resourceName, request; Admin Activity
 * entries in logs/cloudaudit.googleapis.com%2Factivity). The project number stands in resource names.
 */
describe("audit-log filters against sample audit log entries", () => {
  const filter = (id: string) => condition(id).conditionMatchedLog!.filter;
  const PROJECT_NUMBER = "123456789012";
  function auditEntry(serviceName: string, methodName: string, resourceName: string, request: Record<string, unknown> = {}, kind = "activity") {
    return {
      protoPayload: {
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        status: {},
        authenticationInfo: { principalEmail: "deployer@example.com" },
        requestMetadata: { callerIp: "192.0.2.4" },
        serviceName,
        methodName,
        authorizationInfo: [{ resource: resourceName, permission: "x.y.z", granted: true }],
        resourceName,
        request,
      },
      insertId: "1abcd2efgh3",
      resource: { type: "audited_resource", labels: { project_id: "tee-prj", service: serviceName, method: methodName } },
      timestamp: "2026-11-30T01:00:00Z",
      severity: "NOTICE",
      logName: `projects/tee-prj/logs/cloudaudit.googleapis.com%2F${kind}`,
    };
  }
  const pool = (id: string) => `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/${id}`;
  const wif = (method: string, resource: string) => auditEntry("iam.googleapis.com", `google.iam.v1.WorkloadIdentityPools.${method}`, resource);
  const secretIam = (method: string, secret: string) => auditEntry("secretmanager.googleapis.com", `google.cloud.secretmanager.v1.SecretManagerService.${method}`, `projects/${PROJECT_NUMBER}/secrets/${secret}`, { "@type": "type.googleapis.com/google.iam.v1.SetIamPolicyRequest" });

  test("this pool's provider updated, created, deleted or undeleted, the pool itself updated: match", () => {
    for (const method of ["UpdateWorkloadIdentityPoolProvider", "CreateWorkloadIdentityPoolProvider", "DeleteWorkloadIdentityPoolProvider", "UndeleteWorkloadIdentityPoolProvider"]) {
      expect(matchesFilter(filter("attestation-enforcement-changed"), wif(method, `${pool("prover-prod-pool")}/providers/attested`)), method).toBe(true);
    }
    expect(matchesFilter(filter("attestation-enforcement-changed"), wif("UpdateWorkloadIdentityPool", pool("prover-prod-pool")))).toBe(true);
    expect(matchesFilter(filter("attestation-enforcement-changed"), wif("DeleteWorkloadIdentityPool", pool("prover-prod-pool")))).toBe(true);
    // v1beta callers are the same change.
    const beta = wif("UpdateWorkloadIdentityPoolProvider", `${pool("prover-prod-pool")}/providers/attested`);
    beta.protoPayload.methodName = "google.iam.v1beta.WorkloadIdentityPools.UpdateWorkloadIdentityPoolProvider";
    expect(matchesFilter(filter("attestation-enforcement-changed"), beta)).toBe(true);
  });

  test("another pool's provider (even one whose id starts with ours) and reads of ours: no match", () => {
    expect(matchesFilter(filter("attestation-enforcement-changed"), wif("UpdateWorkloadIdentityPoolProvider", `${pool("other-pool")}/providers/attested`))).toBe(false);
    expect(matchesFilter(filter("attestation-enforcement-changed"), wif("UpdateWorkloadIdentityPoolProvider", `${pool("prover-prod-pool-2")}/providers/attested`))).toBe(false);
    expect(matchesFilter(filter("attestation-enforcement-changed"), wif("GetWorkloadIdentityPoolProvider", `${pool("prover-prod-pool")}/providers/attested`))).toBe(false);
    expect(matchesFilter(filter("attestation-enforcement-changed"), wif("ListWorkloadIdentityPoolProviders", pool("prover-prod-pool")))).toBe(false);
  });

  test("SetIamPolicy on this stack's secrets: match; on another secret, or GetIamPolicy: no match", () => {
    expect(matchesFilter(filter("attestation-enforcement-changed"), secretIam("SetIamPolicy", "prover-prod-api-keys"))).toBe(true);
    expect(matchesFilter(filter("attestation-enforcement-changed"), secretIam("SetIamPolicy", "prover-prod-tls-key"))).toBe(true);
    expect(matchesFilter(filter("attestation-enforcement-changed"), secretIam("SetIamPolicy", "someone-elses-secret"))).toBe(false);
    expect(matchesFilter(filter("attestation-enforcement-changed"), secretIam("SetIamPolicy", "prover-prod-api-keys-old"))).toBe(false);
    expect(matchesFilter(filter("attestation-enforcement-changed"), secretIam("GetIamPolicy", "prover-prod-api-keys"))).toBe(false);
    // Adding a secret version is a rotation, not a change of who may read.
    expect(matchesFilter(filter("attestation-enforcement-changed"), secretIam("AddSecretVersion", "prover-prod-api-keys"))).toBe(false);
  });

  test("firewall rules created on this network or changed by name (ours): match; elsewhere or a read: no match", () => {
    const fw = (method: string, name: string, request: Record<string, unknown> = {}) =>
      auditEntry("compute.googleapis.com", `v1.compute.firewalls.${method}`, `projects/tee-prj/global/firewalls/${name}`, { "@type": `type.googleapis.com/compute.firewalls.${method}`, ...request });
    const net = (n: string) => ({ network: `https://www.googleapis.com/compute/v1/projects/tee-prj/global/networks/${n}` });
    expect(matchesFilter(filter("network-rules-changed"), fw("insert", "allow-ssh-from-anywhere", net("prover-prod-vpc")))).toBe(true);
    expect(matchesFilter(filter("network-rules-changed"), fw("patch", "prover-prod-lb-to-hosts-1a2b3c4"))).toBe(true);
    expect(matchesFilter(filter("network-rules-changed"), fw("delete", "prover-prod-prober-to-hosts-5d6e7f8"))).toBe(true);
    expect(matchesFilter(filter("network-rules-changed"), fw("insert", "allow-ssh", net("prover-prod-vpc-2")))).toBe(false);
    expect(matchesFilter(filter("network-rules-changed"), fw("delete", "other-team-rule"))).toBe(false);
    expect(matchesFilter(filter("network-rules-changed"), fw("get", "prover-prod-lb-to-hosts-1a2b3c4"))).toBe(false);
  });
});
